import { defineProvider } from '../core/provider.js';
import { count } from './_shared.js';

/** Process accounting records (Debian /var/log/account, RHEL /var/account): live file emptied, old ones removed. */
export default defineProvider({
  id: 'pacct-log',
  summary: 'Empty the process accounting log and remove its rotations',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const dir of ['/var/log/account', '/var/account']) {
      for (const p of ctx.fs.glob(`${dir}/pacct*`)) {
        if (p === `${dir}/pacct` ? ctx.fs.truncate(p) : ctx.fs.remove(p)) n++;
      }
    }
    if (n) ctx.note(`cleared ${count(n, 'accounting file')}`);
  },
});
