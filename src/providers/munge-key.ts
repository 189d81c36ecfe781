import { defineProvider } from './api.js';
import { removeFile } from './_identity.js';

/**
 * MUNGE's key, /etc/munge/munge.key: munge's postinst makes a random one for this machine (`mungekey
 * -c`, as the munge user). Whoever holds it can forge credentials that every host with the same key
 * accepts (munged(8): "the secret key … must be kept secret"), so an image that carries it hands every
 * clone, and everyone with a copy of the image, the golden machine's key.
 *
 * munged also keeps the state of its random number generator in /var/lib/munge/munged.seed (made at
 * its first start, and again when missing): clones starting from one seed would draw the same nonces.
 *
 * At generalize the key and the seed go; at first boot the clone makes its own the way the postinst does (mungekey,
 * owner munge, mode 0400), before munge.service. A cluster's nodes must share one key: that key is
 * configuration a cluster's deployment puts on each node (the MUNGE installation guide copies it from
 * one node to the others), not something an image should carry; a builder who wants it in the image
 * anyway keeps it with `--providers -munge-key`.
 */
const KEY = '/etc/munge/munge.key';
const MUNGEKEY = '/usr/sbin/mungekey';
const SEED = '/var/lib/munge/munged.seed';

export default defineProvider({
  id: 'munge-key',
  summary: "Remove MUNGE's key; the clone makes its own (mungekey) at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [KEY, SEED],
  run(ctx) {
    if (removeFile(ctx, 'munge-key', KEY, 'MUNGE key')) ctx.note('removed the MUNGE key; the clone makes its own at first boot');
    if (removeFile(ctx, 'munge-key', SEED, "munged's random seed")) ctx.note("removed munged's random seed");
  },
  regenerate(fs) {
    if (fs.exists(KEY) || !fs.isFile(MUNGEKEY) || !fs.isDirectory('/etc/munge')) return [];
    return [{
      id: 'munge-key',
      out: KEY,
      argv: ['/bin/sh', '-c', `${MUNGEKEY} --create --keyfile="$1" && chown munge:munge "$1" && chmod 0400 "$1"`, 'munge-key', '@out'],
      before: ['munge.service'],
    }];
  },
});
