import { defineProvider } from './api.js';
import { removeFile } from './_identity.js';

/**
 * xrdp's RDP security keys, /etc/xrdp/rsakeys.ini: xrdp's postinst makes an RSA key pair for this
 * machine (`xrdp-keygen xrdp auto` under umask 077, owner xrdp). Clients that remember a server by it
 * would take every clone for the golden machine, and anyone with the image can impersonate them all.
 * (Its TLS certificate, cert.pem and key.pem, are links to ssl-cert's snakeoil pair: ssl-cert-snakeoil
 * renews those.)
 *
 * At generalize the file goes; at first boot the clone makes its own as the postinst does, before xrdp.
 */
const KEYS = '/etc/xrdp/rsakeys.ini';
const KEYGEN = '/usr/bin/xrdp-keygen';

export default defineProvider({
  id: 'xrdp-keys',
  summary: "Remove xrdp's RDP key pair (rsakeys.ini); the clone makes its own (xrdp-keygen) at first boot",
  pass: 'generalize',
  defaultEnabled: true,
  identity: [KEYS],
  run(ctx) {
    if (removeFile(ctx, 'xrdp-keys', KEYS, 'RDP key pair')) ctx.note("removed xrdp's RDP key pair; the clone makes its own at first boot");
  },
  regenerate(fs) {
    if (fs.exists(KEYS) || !fs.isFile(KEYGEN) || !fs.isDirectory('/etc/xrdp')) return [];
    return [{
      id: 'xrdp-keys',
      out: KEYS,
      argv: ['/bin/sh', '-c', `umask 077 && ${KEYGEN} xrdp "$1" && chown xrdp "$1"`, 'xrdp-keys', '@out'],
      before: ['xrdp.service'],
    }];
  },
});
