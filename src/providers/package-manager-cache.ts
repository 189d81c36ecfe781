import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count, deleteFilesBelow } from './_shared.js';

const CACHE_DIRS = [
  '/var/cache/apt/archives/partial',
  '/var/cache/dnf',
  '/var/cache/yum',
  '/var/cache/zypp/packages',
  '/var/cache/pacman/pkg',
];

/**
 * Downloaded packages and metadata caches of apt, dnf, yum, zypper and pacman; the directories (and
 * lock files) stay. A cache directory that is itself a symlink is left alone: walking it would delete
 * the files of whatever directory it names (a `partial -> /etc` would empty /etc). Files are removed
 * at their real location, so the report names what went.
 */
export default defineProvider({
  id: 'package-manager-cache',
  summary: 'Remove downloaded packages and package-manager caches (apt, dnf, yum, zypper, pacman)',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const [dir, pattern] of [['/var/cache/apt/archives', '*.deb'], ['/var/cache/apt', '*.bin']] as const) {
      const real = ctx.fs.realTargetPath(dir);
      for (const p of ctx.fs.glob(joinTarget(real, pattern))) {
        if (ctx.fs.lstat(p)?.isDirectory()) continue;
        if (ctx.fs.remove(p)) n++;
      }
    }
    const dirs: string[] = [];
    for (const dir of CACHE_DIRS) {
      const st = ctx.fs.lstat(dir);
      if (!st) continue;
      if (!st.isDirectory()) {
        if (st.isSymbolicLink()) ctx.log.warn(`package-manager-cache: left ${dir} alone: it is a symlink`);
        continue;
      }
      dirs.push(ctx.fs.realTargetPath(dir));
    }
    n += deleteFilesBelow(ctx, dirs, (p) => p.endsWith('/lock'));
    if (n) ctx.note(`removed ${count(n, 'cached file')}`);
  },
});
