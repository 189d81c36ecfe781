/**
 * An ext4 image of a root (mkfs.ext4 -d), for tools that work on disk images (virt-sysprep): built
 * once, cached in $SYSPREP_TEST_CACHE/bench, rebuilt when the used root was rebuilt.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cachedBuild, readStamp, usedRootStamp } from './cache.js';
import { note } from './process.js';
import { run } from './run.js';
import { BENCH_DIR } from './settings.js';

export interface Ext4Image {
  path: string;
  bytes: number;
  /** what the root's files take (du) */
  contentBytes: number;
  files: number;
  /** built by this run (not taken from the cache) */
  built: boolean;
}

/** The ext4 image of `used`, cached in BENCH_DIR and rebuilt when the used root was rebuilt. */
export function ext4Image(used: string): Ext4Image {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const img = path.join(BENCH_DIR, `${path.basename(used)}.ext4.raw`);
  const meta = img + '.json';
  const stamp = usedRootStamp(used);
  const read = (): Ext4Image | undefined => {
    const m = readStamp(meta);
    if (m.stamp === stamp && fs.statSync(img).size === m.bytes) return { path: img, bytes: m.bytes, contentBytes: m.contentBytes, files: m.files, built: false };
    return undefined;
  };
  return cachedBuild(img + '.lock', read, () => {
    note(`building the ext4 image ${img} from ${used} (once; cached afterwards)`);
    const started = Date.now();
    const contentBytes = Number(run('du', ['-s', '--block-size=1', used]).split('\t')[0]);
    const files = Number(run('sh', ['-c', 'find "$1" -xdev | wc -l', 'sh', used]).trim());
    // content + 30 %, whole MiB
    const mib = Math.ceil((contentBytes * 1.3) / (1 << 20));
    const tmp = `${img}.tmp-${process.pid}`;
    fs.rmSync(tmp, { force: true });
    // mkfs.ext4 -d only reads the source tree, so it is given the cached used root itself; the default
    // inode ratio (one per 16 KiB) leaves room for the files unless they are unusually many.
    const inodes = Math.ceil(files * 1.3);
    const extra = inodes > (mib * (1 << 20)) / 16384 ? ['-N', String(inodes)] : [];
    run('mkfs.ext4', ['-q', '-F', '-L', 'rootfs', ...extra, '-d', used, tmp, `${mib}M`]);
    const bytes = fs.statSync(tmp).size;
    fs.renameSync(tmp, img);
    fs.writeFileSync(meta, JSON.stringify({ stamp, bytes, contentBytes, files, source: used }, null, 2) + '\n');
    note(`image built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { path: img, bytes, contentBytes, files, built: true };
  });
}
