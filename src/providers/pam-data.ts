import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count } from './_shared.js';

/**
 * PAM's runtime data: console locks, faillock tallies, sepermit locks, in /var/run (virt-sysprep's list)
 * and /run (where they are when an image's /var/run is a directory of its own). /var/run is a link to
 * /run on current distributions (resolved inside the target); entries are removed at their real location,
 * so the report names what went. A directory that leads anywhere else is left alone.
 */
const DIRS = [
  '/var/run/console', '/var/run/faillock', '/var/run/sepermit',
  '/run/console', '/run/faillock', '/run/sepermit',
  '/var/lib/faillock',
];

export default defineProvider({
  id: 'pam-data',
  summary: "Remove PAM's runtime data (console locks, faillock tallies)",
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const dir of DIRS) {
      if (!ctx.fs.isDirectory(dir)) continue;
      const real = ctx.fs.realTargetPath(dir);
      const base = dir.slice(dir.lastIndexOf('/'));
      if (real !== dir && real !== `/run${base}`) {
        ctx.log.warn(`pam-data: left ${dir} alone: it leads to ${real}`);
        continue;
      }
      for (const name of ctx.fs.list(real).sort()) if (ctx.fs.remove(joinTarget(real, name))) n++;
    }
    if (n) ctx.note(`removed ${count(n, 'file')}`);
  },
});
