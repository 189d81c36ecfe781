import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count } from './_shared.js';

/**
 * Process accounting records (Debian /var/log/account, RHEL /var/account): live file emptied, old ones
 * removed. Only regular files: a pacct path that is a symlink is left alone (emptying through it would
 * truncate whatever it names).
 */
export default defineProvider({
  id: 'pacct-log',
  summary: 'Empty the process accounting log and remove its rotations',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const dir of ['/var/log/account', '/var/account']) {
      const realDir = ctx.fs.realTargetPath(dir);
      for (const p of ctx.fs.glob(`${dir}/pacct*`)) {
        const name = p.slice(p.lastIndexOf('/') + 1);
        const real = joinTarget(realDir, name);
        if (!ctx.fs.lstat(real)?.isFile()) continue;
        if (name === 'pacct' ? ctx.fs.truncate(real) : ctx.fs.remove(real)) n++;
      }
    }
    if (n) ctx.note(`cleared ${count(n, 'accounting file')}`);
  },
});
