import { defineProvider } from '../core/provider.js';
import { count, deleteFilesBelow } from './_shared.js';

/** Downloaded packages and metadata caches of apt, dnf, yum, zypper and pacman; the directories stay. */
export default defineProvider({
  id: 'package-manager-cache',
  summary: 'Remove downloaded packages and package-manager caches (apt, dnf, yum, zypper, pacman)',
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const p of [...ctx.fs.glob('/var/cache/apt/archives/*.deb'), ...ctx.fs.glob('/var/cache/apt/*.bin')]) {
      if (ctx.fs.remove(p)) n++;
    }
    n += deleteFilesBelow(ctx, [
      '/var/cache/apt/archives/partial',
      '/var/cache/dnf',
      '/var/cache/yum',
      '/var/cache/zypp/packages',
      '/var/cache/pacman/pkg',
    ], (p) => p.endsWith('/lock'));
    if (n) ctx.note(`removed ${count(n, 'cached file')}`);
  },
});
