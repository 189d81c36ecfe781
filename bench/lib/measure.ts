/**
 * Metering one host process: wall time from spawn to exit, and what /usr/bin/time reports for it
 * (ru_maxrss and user + system CPU seconds of the child and the descendants it reaped); optionally
 * the summed RSS of its whole process tree, sampled from /proc every 100 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR } from './settings.js';

export const TIME = '/usr/bin/time';

export interface Sample {
  /** wall clock seconds of the child, spawn to exit */
  seconds: number;
  /** ru_maxrss of the child (and the descendants it reaped), KiB, from /usr/bin/time -f %M */
  maxRssKiB: number;
  /** user + system CPU seconds of the child and its reaped descendants (/usr/bin/time %U + %S) */
  cpuSeconds: number;
  /** largest summed RSS of the child's process tree seen by sampling, KiB (when sampled) */
  treeRssKiB?: number;
  status: number;
  /** stdout and stderr as they came */
  output: string;
  /** stdout alone (for a tool's machine-readable report) */
  stdout: string;
  /** the child was killed after MeasureOptions.timeoutMs */
  timedOut?: boolean;
  /** sysprep only: time of `sync -f ROOT` right after the run (not part of `seconds`) */
  syncSeconds?: number;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /** sample the process tree's summed RSS every 100 ms */
  sampleTree?: boolean;
  /** SIGKILL the child and its descendants after this long */
  timeoutMs: number;
}

const PAGE_KIB = pageSizeKiB();
function pageSizeKiB(): number {
  const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  return Number(r.stdout) / 1024 || 4;
}

/** Parent pid -> child pids, for every process in /proc. */
function processChildren(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

/** Summed RSS (KiB) of `root` and all its descendants, read from /proc. */
export function treeRss(root: number): number {
  const children = processChildren();
  let sum = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    try {
      sum += Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_KIB;
    } catch {
      /* gone */
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return sum;
}

/** SIGKILL `root` and all its descendants (the tool under /usr/bin/time, and what it started). */
function killTree(root: number): void {
  const children = processChildren();
  const all: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    all.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** /usr/bin/time's figures from its -o file (NaN when missing); the file is removed. */
function readTimeFile(timeFile: string): { maxRssKiB: number; cpuSeconds: number } {
  try {
    // the file holds "Command exited with non-zero status N" first when the child failed
    const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
    const [rss, user, sys] = lines[lines.length - 1]!.split(' ').map(Number);
    fs.rmSync(timeFile, { force: true });
    return { maxRssKiB: rss!, cpuSeconds: user! + sys! };
  } catch {
    return { maxRssKiB: NaN, cpuSeconds: NaN };
  }
}

/** Run `cmd args` under /usr/bin/time, timing it from spawn to exit. */
export function measure(cmd: string, args: string[], options: MeasureOptions): Promise<Sample> {
  const { env = process.env, sampleTree = false, timeoutMs } = options;
  const timeFile = path.join(BENCH_DIR, `time-${process.pid}.txt`);
  fs.rmSync(timeFile, { force: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const outChunks: Buffer[] = [];
    let peakTree = 0;
    let timer: NodeJS.Timeout | undefined;
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-o', timeFile, '-f', '%M %U %S', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => (chunks.push(b), outChunks.push(b)));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    if (sampleTree && child.pid) {
      const pid = child.pid;
      timer = setInterval(() => (peakTree = Math.max(peakTree, treeRss(pid))), 100);
    }
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      // the whole tree: killing /usr/bin/time alone leaves the tool running, holding the pipes open
      if (child.pid) killTree(child.pid);
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearTimeout(killer);
      if (timer) clearInterval(timer);
      resolve({
        seconds,
        ...readTimeFile(timeFile),
        ...(sampleTree ? { treeRssKiB: peakTree } : {}),
        status: code ?? (signal ? 128 : -1),
        ...(timedOut ? { timedOut } : {}),
        output: Buffer.concat(chunks).toString('utf8'),
        stdout: Buffer.concat(outChunks).toString('utf8'),
      });
    });
  });
}
