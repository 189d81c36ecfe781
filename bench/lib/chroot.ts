/**
 * Working inside a scratch root, and only there: the check that refuses any other directory, writing
 * a file into the root, and running commands chrooted with /proc, /sys and /dev mounted.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { note, onCleanup } from './process.js';
import { run } from './run.js';
import { BENCH_DIR, WORK_DIR } from './settings.js';

/** Refuse anything but an OS root under `within` (by default the benchmarks' scratch and cache directories). */
export function assertScratch(root: string, within: string[] = [WORK_DIR, BENCH_DIR]): string {
  const abs = path.resolve(root);
  const ok = within.some((d) => abs.startsWith(path.resolve(d) + '/'));
  if (!ok || abs === '/' || !fs.existsSync(path.join(abs, 'etc/os-release'))) throw new Error(`refusing to work on ${root}: not a scratch root`);
  return abs;
}

/** Write `file` (relative to the scratch root) afresh with `content` and `mode`. */
export function writeFile(root: string, file: string, content: string, mode = 0o644): void {
  const p = path.join(assertScratch(root), file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.rmSync(p, { force: true });
  fs.writeFileSync(p, content, { mode });
}

const CHROOT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  DEBIAN_FRONTEND: 'noninteractive',
};

/** stdout of `chroot ROOT args`, with a clean environment; throws when it fails. */
export function chroot(root: string, args: string[], input?: string, timeoutMs = 600_000): string {
  return run('chroot', [assertScratch(root), ...args], { env: CHROOT_ENV, input, timeout: timeoutMs });
}

/**
 * Run fn with /proc, /sys and /dev (each a plain, non-recursive mount) in the chroot, the host's
 * resolv.conf copied in and services kept from starting (policy-rc.d); everything undone afterwards.
 */
export function withChrootMounts<T>(root: string, fn: () => T): T {
  root = assertScratch(root);
  const resolv = path.join(root, 'etc/resolv.conf');
  const resolvBefore = fs.lstatSync(resolv, { throwIfNoEntry: false });
  const resolvSaved = resolv + '.sysprep-bench';
  if (resolvBefore) fs.renameSync(resolv, resolvSaved);
  fs.copyFileSync('/etc/resolv.conf', resolv);
  const policy = path.join(root, 'usr/sbin/policy-rc.d');
  const hadPolicy = fs.existsSync(policy);
  if (!hadPolicy) fs.writeFileSync(policy, '#!/bin/sh\n# sysprep bench: no services start in the chroot\nexit 101\n', { mode: 0o755 });
  const mounted: string[] = [];
  const unmount = () => {
    while (mounted.length) {
      const dir = mounted.pop()!;
      const r = spawnSync('umount', [dir], { encoding: 'utf8' });
      if (r.status !== 0) note(`umount ${dir} failed: ${r.stderr}`);
    }
  };
  const off = onCleanup(unmount);
  try {
    for (const [what, type, dir] of [
      ['proc', 'proc', 'proc'],
      ['sysfs', 'sysfs', 'sys'],
    ] as const) {
      run('mount', ['-t', type, what, path.join(root, dir)]);
      mounted.push(path.join(root, dir));
    }
    run('mount', ['--bind', '/dev', path.join(root, 'dev')]);
    mounted.push(path.join(root, 'dev'));
    return fn();
  } finally {
    off();
    unmount();
    if (!hadPolicy) fs.rmSync(policy, { force: true });
    fs.rmSync(resolv, { force: true });
    if (resolvBefore) fs.renameSync(resolvSaved, resolv);
  }
}
