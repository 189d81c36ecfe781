/**
 * What the machine has and how busy it is: the checks a benchmark makes before it starts (root, a
 * built dist/, the commands it needs, whether virt-sysprep's appliance starts), a description of the
 * machine for the report, and the load average.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../../test/harness/sysprep.js';
import { note } from './process.js';

/** A reason the benchmark cannot run here, or undefined when it can. */
export type Refusal = string | undefined;

export function requireRoot(why: string): Refusal {
  return process.getuid?.() === 0 ? undefined : `the benchmark needs root (${why})`;
}

/** `files` (relative to the repository) exist, or what to do about it. */
export function requireBuilt(files: string[], refusal: string): Refusal {
  return files.every((f) => fs.existsSync(path.join(REPO, f))) ? undefined : refusal;
}

/** Is `cmd` on PATH? */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

/** Every command is on PATH, or the first one missing (with `hints[cmd]` when there is one). */
export function requireCommands(cmds: string[], hints: Record<string, string> = {}): Refusal {
  const missing = cmds.find((c) => !hasCommand(c));
  return missing === undefined ? undefined : `missing ${missing}${hints[missing] ? ` (${hints[missing]})` : ''}`;
}

/** The first refusal, printed on stderr, or undefined when every check passed. */
export function refused(...checks: (() => Refusal)[]): boolean {
  for (const check of checks) {
    const why = check();
    if (why !== undefined) {
      console.error(why);
      return true;
    }
  }
  return false;
}

export interface Machine {
  kernel: string;
  cpu: string;
  cpus: number;
  memGiB: number;
}

export function machine(): Machine {
  return { kernel: os.release(), cpu: os.cpus()[0]?.model ?? '?', cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) };
}

/** The 1-minute load average. */
export const load = (): number => os.loadavg()[0]!;

/** Wait (at most `minutes`) until the 1-minute load average drops under half the CPUs. */
export async function waitIdle(minutes: number, cpus: number): Promise<void> {
  const deadline = Date.now() + minutes * 60_000;
  while (load() > cpus / 2 && Date.now() < deadline) {
    note(`waiting for the machine to quiet down (load ${load().toFixed(2)}, BENCH_WAIT_IDLE=${minutes} min)`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

/** libguestfs under the settings the benchmark times virt-sysprep with: direct backend, TCG. */
export const VIRT_ENV = { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' };

/** Check that the libguestfs appliance starts here (and build/warm its cache, untimed). */
export function virtPreflight(): { ok: true } | { ok: false; error: string } {
  const started = Date.now();
  const r = spawnSync('guestfish', ['-a', '/dev/null', 'run'], { env: VIRT_ENV, encoding: 'utf8', timeout: 20 * 60_000 });
  if (r.status === 0) {
    note(`libguestfs appliance starts (warm-up ${((Date.now() - started) / 1000).toFixed(1)} s, untimed)`);
    return { ok: true };
  }
  // the real error: the debug output's last lines
  const d = spawnSync('guestfish', ['-a', '/dev/null', 'run'], {
    env: { ...VIRT_ENV, LIBGUESTFS_DEBUG: '1', LIBGUESTFS_TRACE: '1' },
    encoding: 'utf8',
    timeout: 20 * 60_000,
    maxBuffer: 64 << 20,
  });
  const lines = `${d.stdout ?? ''}${d.stderr ?? ''}`.trim().split('\n');
  const interesting = lines.filter((l) => /error|fail|cannot|not found|supermin|kernel/i.test(l)).slice(-15);
  return { ok: false, error: `${(r.stderr ?? '').trim()}\n--- debug excerpt ---\n${interesting.join('\n') || lines.slice(-30).join('\n')}` };
}
