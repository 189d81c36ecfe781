import { defineProvider } from './api.js';
import { count, removeFromHomes } from './_shared.js';

/** Like virt-sysprep's zsh-history, but for every home named in /etc/passwd, not only /home/*. */
export default defineProvider({
  id: 'zsh-history',
  summary: 'Remove zsh history of every account',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    const n = removeFromHomes(ctx, ['.zsh_history', '.zhistory', '.histfile']);
    if (n) ctx.note(`removed ${count(n, 'history file')}`);
  },
});
