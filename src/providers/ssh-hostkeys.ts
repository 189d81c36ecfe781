import { defineProvider } from './api.js';
import { count, removeGlobs } from './_shared.js';

/**
 * Host keys (and their certificates) of OpenSSH and Dropbear. Debian and Ubuntu do not regenerate
 * missing OpenSSH keys by themselves; the first-boot agent's specialize pass does, before sshd starts.
 */
export default defineProvider({
  id: 'ssh-hostkeys',
  summary: 'Remove the SSH host keys; specialize makes new ones on each clone',
  pass: 'generalize',
  defaultEnabled: true,
  run(ctx) {
    const n = removeGlobs(ctx, ['/etc/ssh/*_host_*', '/etc/dropbear/dropbear_*_host_key']);
    if (n) ctx.note(`removed ${count(n, 'host key file')}`);
  },
});
