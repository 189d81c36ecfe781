import { defineProvider } from './api.js';
import { joinTarget } from '../rootfs/rootfs.js';
import { count } from './_shared.js';

/**
 * blkid's cache of block device identities (UUIDs, labels, device numbers of the golden machine).
 * /var/run is a link to /run on current systems: each file is removed and reported under its real
 * path, once.
 */
const PATTERNS = [
  '/run/blkid/blkid.tab',
  '/run/blkid/blkid.tab.old',
  '/var/run/blkid.tab',
  '/var/run/blkid.tab.old',
  '/etc/blkid/blkid.tab',
  '/etc/blkid/blkid.tab.old',
  '/etc/blkid.tab',
  '/etc/blkid.tab.old',
  '/dev/.blkid.tab',
  '/dev/.blkid.tab.old',
];

export default defineProvider({
  id: 'blkid-tab',
  summary: "Remove blkid's cache of block device identities",
  pass: 'cleanup',
  defaultEnabled: true,
  run(ctx) {
    let n = 0;
    for (const pattern of PATTERNS) {
      for (const p of ctx.fs.glob(pattern, { dot: true })) {
        const slash = p.lastIndexOf('/');
        const real = joinTarget(ctx.fs.realTargetPath(p.slice(0, slash) || '/'), p.slice(slash + 1));
        const st = ctx.fs.lstat(real);
        if (st && !st.isDirectory() && ctx.fs.remove(real)) n++;
      }
    }
    if (n) ctx.note(`removed ${count(n, 'cache file')}`);
  },
});
