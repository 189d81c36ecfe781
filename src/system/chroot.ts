/**
 * Running the target's own programs: directly on a running system, chrooted into an offline root with
 * /proc, /sys and /dev mounted for the duration (reference-counted, so nested users share them).
 */
import { spawnSync } from 'node:child_process';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { RootFs } from '../rootfs/rootfs.js';

/** Mount /proc, /sys and /dev into an offline root for chrooted commands; undo with release(). */
export class ChrootMounts {
  private mounted: string[] = [];
  private users = 0;
  constructor(private readonly root: string) {}
  acquire(): void {
    if (this.users++ > 0) return;
    for (const [what, args] of [['proc', ['-t', 'proc', 'proc']], ['sys', ['-t', 'sysfs', 'sysfs']], ['dev', ['--bind', '/dev']]] as const) {
      const target = path.join(this.root, what);
      let st: nodefs.Stats;
      try {
        st = nodefs.lstatSync(target);
      } catch {
        continue;
      }
      // a link or a non-directory here is not followed: mounting through it could land outside
      if (!st.isDirectory()) continue;
      if (spawnSync('mount', [...args, target]).status === 0) this.mounted.push(target);
    }
  }
  release(): void {
    if (--this.users > 0) return;
    for (const m of this.mounted.reverse()) if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m]);
    this.mounted = [];
  }
}

const mountsByRoot = new Map<string, ChrootMounts>();


/** The shared mounts of an offline root. */
export function chrootMounts(root: string): ChrootMounts {
  let m = mountsByRoot.get(root);
  if (!m) mountsByRoot.set(root, (m = new ChrootMounts(root)));
  return m;
}

/** argv that runs `command` inside the target. */
export function inTarget(fs: RootFs, command: string[]): string[] {
  return fs.root === '/' ? command : ['chroot', fs.root, ...command];
}

/** Run a program of the target and wait (with /proc, /sys, /dev mounted when chrooted). */
export function runInTarget(fs: RootFs, command: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): { status: number; output: string } {
  const mounts = fs.root === '/' ? undefined : chrootMounts(fs.root);
  mounts?.acquire();
  try {
    const argv = inTarget(fs, command);
    const r = spawnSync(argv[0]!, argv.slice(1), {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 600_000,
      env: options.env ?? { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root' },
      maxBuffer: 32 << 20,
    });
    return { status: r.error ? 127 : r.status ?? 128, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
  } finally {
    mounts?.release();
  }
}
