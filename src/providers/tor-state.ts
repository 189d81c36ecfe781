import { defineProvider } from './api.js';
import { removeFile, removeFilesOf } from './_identity.js';
import { count } from './_shared.js';

/**
 * Tor's per-machine state in its data directory, /var/lib/tor (tor(1), "FILES"): `state`, where a
 * client keeps the entry guards it chose (clones sharing guards are linkable to each other, the very
 * thing guards are chosen per client to prevent), and `keys/`, where a relay keeps the identity and
 * onion keys it makes at its first start (relays with one identity key are one relay to the
 * directory authorities). Both are made again by tor when missing.
 *
 * At generalize `state` and the files in `keys/` go. Onion services' directories (HiddenServiceDir,
 * their .onion address and key) are published on purpose and stay; so does the cached consensus,
 * which is public and the same for everyone.
 */
const DATA = '/var/lib/tor';

export default defineProvider({
  id: 'tor-state',
  summary: "Remove Tor's state (chosen entry guards) and a relay's keys; tor makes them anew at the clone's first start",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [`${DATA}/keys/*`],
  run(ctx) {
    let n = removeFile(ctx, 'tor-state', `${DATA}/state`, 'entry guards and state') ? 1 : 0;
    n += removeFilesOf(ctx, 'tor-state', `${DATA}/keys`);
    if (n) ctx.note(`removed ${count(n, 'Tor state file')}`);
  },
});
