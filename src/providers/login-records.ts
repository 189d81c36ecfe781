import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count } from './_shared.js';
import { isRotated } from './logfiles.js';

/**
 * Who logged in, from where, and who failed: wtmp, btmp, lastlog, faillog, tallylog, and the newer
 * SQLite replacements (wtmpdb, lastlog2) of trixie and Tumbleweed. The classic files are emptied, not
 * removed: login and sshd append to them and expect their group (utmp) and mode. Only regular files
 * are emptied: a record path that is a symlink (to /dev/null, so nothing is recorded, or to any other
 * file) is configuration and is left alone; truncating through it would empty whatever it names.
 */
export default defineProvider({
  id: 'login-records',
  summary: 'Empty wtmp, btmp, lastlog and faillog; remove wtmpdb and lastlog2 databases',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    // /var/log's real location, so the report names the files that really changed
    const logDir = ctx.fs.realTargetPath('/var/log');
    for (const p of ctx.fs.glob('/var/log/{wtmp,btmp,lastlog,faillog,tallylog}*')) {
      const name = p.slice(p.lastIndexOf('/') + 1);
      const real = joinTarget(logDir, name);
      if (!ctx.fs.lstat(real)?.isFile()) continue;
      if (isRotated(name) ? ctx.fs.remove(real) : ctx.fs.truncate(real)) n++;
    }
    for (const p of ['/var/lib/wtmpdb/wtmp.db', '/var/lib/lastlog/lastlog2.db']) if (ctx.fs.remove(p)) n++;
    if (n) ctx.note(`cleared ${count(n, 'record file')}`);
  },
});
