import { defineProvider } from '../core/provider.js';
import { count } from './_shared.js';
import { isRotated } from './logfiles.js';

/**
 * Who logged in, from where, and who failed: wtmp, btmp, lastlog, faillog, tallylog, and the newer
 * SQLite replacements (wtmpdb, lastlog2) of trixie and Tumbleweed. The classic files are emptied, not
 * removed: login and sshd append to them and expect their group (utmp) and mode.
 */
export default defineProvider({
  id: 'login-records',
  summary: 'Empty wtmp, btmp, lastlog and faillog; remove wtmpdb and lastlog2 databases',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const p of ctx.fs.glob('/var/log/{wtmp,btmp,lastlog,faillog,tallylog}*')) {
      const name = p.slice(p.lastIndexOf('/') + 1);
      if (isRotated(name) ? ctx.fs.remove(p) : ctx.fs.truncate(p)) n++;
    }
    for (const p of ['/var/lib/wtmpdb/wtmp.db', '/var/lib/lastlog/lastlog2.db']) if (ctx.fs.remove(p)) n++;
    if (n) ctx.note(`cleared ${count(n, 'record file')}`);
  },
});
