import { defineProvider } from './api.js';
import { configText, removeFile } from './_identity.js';

/**
 * BIND's rndc key, /etc/bind/rndc.key: bind9's postinst makes it for this machine (`rndc-confgen -a`,
 * then owner root:bind, group-readable) when neither rndc.key nor rndc.conf exists, and named accepts
 * control commands from whoever holds it (rndc-confgen(8)). In an image, every clone would take
 * commands signed with the golden machine's key.
 *
 * At generalize the key goes when it is the one the postinst made (a single `key "rndc-key"` block in
 * the file); a key of another name was written by the builder and stays. At first boot the clone makes
 * its own as the postinst does, before named.
 */
const KEY = '/etc/bind/rndc.key';
const CONFGEN = '/usr/sbin/rndc-confgen';

export default defineProvider({
  id: 'bind-rndc-key',
  summary: "Remove BIND's generated rndc key; the clone makes its own (rndc-confgen -a) at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [KEY],
  run(ctx) {
    const text = configText(ctx, KEY);
    if (text === undefined) return;
    const names = [...text.matchAll(/^\s*key\s+"([^"]+)"/gm)].map((m) => m[1]);
    if (names.length !== 1 || names[0] !== 'rndc-key') {
      ctx.log.info(`bind-rndc-key: ${KEY} holds keys the builder wrote (${names.join(', ') || 'none'}); it stays`);
      return;
    }
    if (removeFile(ctx, 'bind-rndc-key', KEY, 'generated rndc key')) ctx.note('removed the rndc key; the clone makes its own at first boot');
  },
  regenerate(fs) {
    if (fs.exists(KEY) || fs.exists('/etc/bind/rndc.conf') || !fs.isFile(CONFGEN) || !fs.isDirectory('/etc/bind')) return [];
    return [{
      id: 'bind-rndc-key',
      out: KEY,
      // the postinst's `rndc-confgen -a`, and its owner and mode
      argv: ['/bin/sh', '-c', `${CONFGEN} -a -c "$1" && chown bind:bind "$1" && chmod 0640 "$1"`, 'bind-rndc-key', '@out'],
      before: ['named.service', 'bind9.service'],
    }];
  },
});
