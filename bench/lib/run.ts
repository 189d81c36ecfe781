/**
 * Running host commands synchronously: the output or an error that says what failed, the first line
 * of a command's output (versions), and a fresh sparse copy of an image.
 */
import { spawnSync, SpawnSyncOptions } from 'node:child_process';

/** stdout of `cmd args`; throws with the output when it fails. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return String(r.stdout ?? '');
}

/** The first line `cmd args` prints (stdout, then stderr), whether or not it succeeds. */
export function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

/** A fresh sparse copy of `image` at `copy`, flushed to disk (so the copy's writeback is not timed). */
export function sparseCopy(image: string, copy: string): void {
  run('cp', ['--sparse=always', image, copy]);
  run('sync', []);
}

/** Wall seconds fn takes. */
export function seconds(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
