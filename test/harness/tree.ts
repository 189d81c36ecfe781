/** Tree snapshots and diffs (the product's, used by `sysprep providers test` too) and test helpers. */
export { diff, snapshot, type Entry, type Tree, type TreeDiff } from '../../src/system/tree.js';

/** sysprep's own files in the target: bookkeeping (state, logs, lock) and the first-boot agent */
export const isSysprepOwn = (p: string) =>
  p === '/var/lib/sysprep' || p.startsWith('/var/lib/sysprep/') ||
  p === '/usr/lib/sysprep' || p.startsWith('/usr/lib/sysprep/') ||
  /^\/usr\/lib\/systemd\/system\/sysprep-[a-z-]+\.service(\.d(\/[a-z-]+\.conf)?)?$/.test(p) ||
  p === '/usr/lib/systemd/system-generators/sysprep-generator' ||
  p === '/etc/profile.d/sysprep.sh' || p === '/usr/sbin/sysprep';
