import { defineProvider } from './api.js';
import { count, removeFromHomes } from './_shared.js';

/** Other programs' histories: interpreters, database shells, pagers, editors, downloaders. */
export const HISTORY_FILES = [
  '.sh_history',
  '.ash_history',
  '.local/share/fish/fish_history',
  '.python_history',
  '.node_repl_history',
  '.irb_history',
  '.mysql_history',
  '.psql_history',
  '.sqlite_history',
  '.rediscli_history',
  '.lesshst',
  '.viminfo',
  '.wget-hsts',
];

export default defineProvider({
  id: 'history-files',
  summary: "Remove other shells\' and tools\' histories (fish, python, psql, mysql, less, vim, wget) of every account",
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    const n = removeFromHomes(ctx, HISTORY_FILES);
    if (n) ctx.note(`removed ${count(n, 'history file')}`);
  },
});
