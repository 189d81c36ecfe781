import { defineProvider } from './api.js';

/**
 * The host key systemd uses to encrypt credentials (systemd-creds). Shared by clones, one clone could
 * read what another encrypted. systemd makes a new one when it is first needed.
 */
export default defineProvider({
  id: 'credential-secret',
  summary: "Remove systemd's credential encryption key (/var/lib/systemd/credential.secret)",
  pass: 'generalize',
  identity: ['/var/lib/systemd/credential.secret'],
  defaultEnabled: true,
  run(ctx) {
    if (ctx.fs.remove('/var/lib/systemd/credential.secret')) ctx.note('removed /var/lib/systemd/credential.secret');
  },
});
