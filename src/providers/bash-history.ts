import { defineProvider } from './api.js';
import { count, removeFromHomes } from './_shared.js';

/**
 * virt-sysprep removes /root/.bash_history and /home/*\/.bash_history only; homes elsewhere (a
 * service account's /var/lib/postgresql, people under /srv/home) keep their history. This walks
 * every home named in /etc/passwd.
 */
export default defineProvider({
  id: 'bash-history',
  summary: 'Remove bash history of every account',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    const n = removeFromHomes(ctx, ['.bash_history']);
    if (n) ctx.note(`removed ${count(n, 'history file')}`);
  },
});
