/**
 * Generalize benchmark: the same work done two ways, in one run, on this machine.
 *
 *   1. sysprep      `bin/sysprep --root R /generalize /quit /quiet` (default providers) on a fresh
 *                   writable copy of the cached used bookworm root (test/fixtures/used-root.ts).
 *                   Measured on two kinds of copy:
 *                     - "cp -a copy" (the headline figure): a plain directory on the host file system,
 *                       made by copiedUsedRoot(). Deletions are real unlinks and writes are plain
 *                       writes, as on a mounted image's file system; nothing overlay-specific helps.
 *                     - "overlayfs": overlayRoot(usedRoot()), the view the tests use. Copy-up of every
 *                       file sysprep rewrites is part of the timed work; deletions are whiteouts.
 *   2. virt-sysprep `virt-sysprep --format raw -a IMG` (libguestfs, its default operations) on an ext4
 *                   image built with `mkfs.ext4 -d` from the same used root, copied fresh
 *                   (cp --sparse=always) for each run. LIBGUESTFS_BACKEND=direct,
 *                   LIBGUESTFS_BACKEND_SETTINGS=force_tcg.
 *
 * Only the tool process is timed (wall clock around the spawn): fixture building, copying the root or
 * the image, and warm-up are not. Peak memory is the child's: `/usr/bin/time -f %M` reports the
 * ru_maxrss wait4() returns for the timed child, i.e. the largest RSS of that process and of the
 * descendants it reaped (for virt-sysprep that is normally qemu). For virt-sysprep the benchmark also
 * samples the summed RSS of the whole process tree every 100 ms.
 *
 * Results: a table on stdout and JSON in $SYSPREP_TEST_CACHE/bench/generalize-latest.json (outside
 * the repository). Environment: BENCH_RUNS (sysprep repetitions, default 5), BENCH_VIRT_RUNS
 * (virt-sysprep repetitions, default 3, at least 2), BENCH_SKIP_VIRT=1 (sysprep only),
 * BENCH_WAIT_IDLE=MINUTES (before timing, wait up to that long for the load average to drop under
 * half the CPUs; the load is printed either way, since other work on the machine skews wall times).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_DIR, withLock } from '../test/fixtures/roots.js';
import { copiedUsedRoot, overlayRoot, Scratch, usedRoot } from '../test/fixtures/used-root.js';
import { GOLDEN_MACHINE_ID } from '../test/fixtures/lived-in.js';
import { BIN, REPO } from '../test/harness/sysprep.js';

const BENCH_DIR = path.join(CACHE_DIR, 'bench');
const WORK_DIR = path.join(CACHE_DIR, 'work');
const RESULTS = path.join(BENCH_DIR, 'generalize-latest.json');
const TIME = '/usr/bin/time';
const SYSPREP_RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const VIRT_RUNS = Math.max(2, positiveInt(process.env.BENCH_VIRT_RUNS, 3));
const SKIP_VIRT = process.env.BENCH_SKIP_VIRT === '1';
const VIRT_ENV = { ...process.env, LIBGUESTFS_BACKEND: 'direct', LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg' };
const WAIT_IDLE_MINUTES = Number(process.env.BENCH_WAIT_IDLE) || 0;
const TARGET_SYSPREP_SECONDS = 1;
const TARGET_RATIO = 30;

function positiveInt(v: string | undefined, dflt: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}

const note = (s: string) => process.stderr.write(`# ${s}\n`);

// ---------------------------------------------------------------------------------------------------
// measuring one child

interface Sample {
  /** wall clock seconds of the child, spawn to exit */
  seconds: number;
  /** ru_maxrss of the child (and the descendants it reaped), KiB, from /usr/bin/time -f %M */
  maxRssKiB: number;
  /** user + system CPU seconds of the child and its reaped descendants (/usr/bin/time %U + %S) */
  cpuSeconds: number;
  /** largest summed RSS of the child's process tree seen by sampling, KiB (when sampled) */
  treeRssKiB?: number;
  status: number;
  output: string;
  /** sysprep only: time of `sync -f ROOT` right after the run (not part of `seconds`) */
  syncSeconds?: number;
}

const PAGE_KIB = pageSizeKiB();
function pageSizeKiB(): number {
  const r = spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' });
  return Number(r.stdout) / 1024 || 4;
}

/** Summed RSS (KiB) of `root` and all its descendants, read from /proc. */
function treeRss(root: number): number {
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

/** Run `cmd args` under /usr/bin/time, timing it from spawn to exit. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv, sampleTree: boolean, timeoutMs: number): Promise<Sample> {
  const timeFile = path.join(BENCH_DIR, `time-${process.pid}.txt`);
  fs.rmSync(timeFile, { force: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let peakTree = 0;
    let timer: NodeJS.Timeout | undefined;
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-o', timeFile, '-f', '%M %U %S', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    if (sampleTree && child.pid) {
      const pid = child.pid;
      timer = setInterval(() => (peakTree = Math.max(peakTree, treeRss(pid))), 100);
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearTimeout(killer);
      if (timer) clearInterval(timer);
      let maxRssKiB = NaN;
      let cpuSeconds = NaN;
      try {
        // the file holds "Command exited with non-zero status N" first when the child failed
        const lines = fs.readFileSync(timeFile, 'utf8').trim().split('\n');
        const [rss, user, sys] = lines[lines.length - 1]!.split(' ').map(Number);
        maxRssKiB = rss!;
        cpuSeconds = user! + sys!;
        fs.rmSync(timeFile, { force: true });
      } catch {
        /* left NaN */
      }
      resolve({
        seconds,
        maxRssKiB,
        cpuSeconds,
        ...(sampleTree ? { treeRssKiB: peakTree } : {}),
        status: code ?? (signal ? 128 : -1),
        output: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

// ---------------------------------------------------------------------------------------------------
// statistics

interface Stats {
  runs: number;
  median: number;
  min: number;
  max: number;
  seconds: number[];
  /** median user + system CPU seconds */
  cpuMedian: number;
  /** the largest ru_maxrss over the runs, KiB */
  peakRssKiB: number;
  /** the largest sampled process-tree RSS over the runs, KiB */
  peakTreeRssKiB?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stats(samples: Sample[]): Stats {
  const seconds = samples.map((s) => s.seconds);
  const trees = samples.map((s) => s.treeRssKiB).filter((x): x is number => x !== undefined);
  return {
    runs: samples.length,
    median: median(seconds),
    min: Math.min(...seconds),
    max: Math.max(...seconds),
    seconds,
    cpuMedian: median(samples.map((s) => s.cpuSeconds)),
    peakRssKiB: Math.max(...samples.map((s) => s.maxRssKiB)),
    ...(trees.length ? { peakTreeRssKiB: Math.max(...trees) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// sysprep on a directory

type Mode = 'copy' | 'overlay';

function scratch(mode: Mode, used: string): Scratch {
  return mode === 'copy' ? copiedUsedRoot('bookworm') : overlayRoot(used, 'bench-overlay');
}

let current: Scratch | undefined;
let currentImage: string | undefined;
function cleanup(): void {
  try {
    current?.dispose();
  } catch {
    /* best effort */
  }
  current = undefined;
  if (currentImage) fs.rmSync(currentImage, { force: true });
  currentImage = undefined;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

async function sysprepOnce(mode: Mode, used: string): Promise<Sample> {
  current = scratch(mode, used);
  const root = current.root;
  // never anything but a private scratch root
  if (!root.startsWith(WORK_DIR + '/') || path.resolve(root) === '/') throw new Error(`refusing to run sysprep on ${root}`);
  try {
    run('sync', []);
    const s = await measure(BIN, ['--root', root, '/generalize', '/quit', '/quiet'], process.env, false, 300_000);
    if (s.status !== 0) throw new Error(`sysprep (${mode}) exited ${s.status}:\n${s.output}`);
    // it did generalize: the golden machine id is gone
    const mid = path.join(root, 'etc/machine-id');
    if (fs.existsSync(mid) && fs.readFileSync(mid, 'utf8').includes(GOLDEN_MACHINE_ID)) {
      throw new Error(`sysprep (${mode}) left the golden machine-id in place`);
    }
    // what syncfs of its changes costs afterwards (not part of the timed figure; shown for reference)
    const t0 = process.hrtime.bigint();
    run('sync', ['-f', root]);
    s.syncSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return s;
  } finally {
    cleanup();
  }
}

// ---------------------------------------------------------------------------------------------------
// virt-sysprep on an ext4 image

interface Image {
  path: string;
  bytes: number;
  contentBytes: number;
  files: number;
  built: boolean;
}

/** The ext4 image of `used`, cached in BENCH_DIR and rebuilt when the used root was rebuilt. */
function ext4Image(used: string): Image {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const img = path.join(BENCH_DIR, `${path.basename(used)}.ext4.raw`);
  const meta = img + '.json';
  const stamp = fs.statSync(path.join(used, '.planted')).mtimeMs;
  const cached = (): Image | undefined => {
    try {
      const m = JSON.parse(fs.readFileSync(meta, 'utf8'));
      if (m.stamp === stamp && fs.statSync(img).size === m.bytes) return { path: img, bytes: m.bytes, contentBytes: m.contentBytes, files: m.files, built: false };
    } catch {
      /* not built */
    }
    return undefined;
  };
  const hit = cached();
  if (hit) return hit;
  return withLock(img + '.lock', () => {
    const again = cached();
    if (again) return again;
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

/** The machine-id file in an ext4 image, read on the host with debugfs. */
function imageMachineId(img: string): string {
  const r = spawnSync('debugfs', ['-R', 'cat /etc/machine-id', img], { encoding: 'utf8' });
  return r.stdout ?? '';
}

async function virtSysprepOnce(image: Image): Promise<Sample> {
  const copy = path.join(BENCH_DIR, `run-${process.pid}.raw`);
  currentImage = copy;
  try {
    run('cp', ['--sparse=always', image.path, copy]);
    run('sync', []);
    const s = await measure('virt-sysprep', ['--format', 'raw', '-a', copy], VIRT_ENV, true, 30 * 60_000);
    if (s.status !== 0) throw new Error(`virt-sysprep exited ${s.status}:\n${s.output}`);
    if (imageMachineId(copy).includes(GOLDEN_MACHINE_ID)) throw new Error('virt-sysprep left the golden machine-id in place');
    return s;
  } finally {
    cleanup();
  }
}

/** Check that the libguestfs appliance starts here (and build/warm its cache, untimed). */
function virtPreflight(): { ok: true } | { ok: false; error: string } {
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

/** Wait (at most `minutes`) until the 1-minute load average drops under half the CPUs. */
async function waitIdle(minutes: number, cpus: number): Promise<void> {
  const deadline = Date.now() + minutes * 60_000;
  while (os.loadavg()[0]! > cpus / 2 && Date.now() < deadline) {
    note(`waiting for the machine to quiet down (load ${os.loadavg()[0]!.toFixed(2)}, BENCH_WAIT_IDLE=${minutes} min)`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

// ---------------------------------------------------------------------------------------------------

const fmtS = (s: number) => (s < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`);
const fmtMiB = (kib: number | undefined) => (kib === undefined || !Number.isFinite(kib) ? '-' : `${(kib / 1024).toFixed(0)} MiB`);

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error('the benchmark needs root (sysprep --root, overlay mounts, mkfs.ext4 -d with owners)');
    return 2;
  }
  if (!fs.existsSync(path.join(REPO, 'dist/src/cli/main.js'))) {
    console.error('dist/src/cli/main.js is missing: build first (npx tsc -p .)');
    return 2;
  }
  for (const bin of [TIME, 'mkfs.ext4', 'debugfs', ...(SKIP_VIRT ? [] : ['virt-sysprep', 'guestfish'])]) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin]).status !== 0) {
      console.error(`missing ${bin}${bin === TIME ? ' (apt-get install time)' : ''}`);
      return 2;
    }
  }
  fs.mkdirSync(BENCH_DIR, { recursive: true });

  let loadStart = os.loadavg()[0]!;
  // fixtures (untimed)
  note('used bookworm root: taken from the cache, or built when missing (debootstrap + planting: several minutes the first time)');
  let t = Date.now();
  const used = usedRoot('bookworm');
  note(`used root ${used} ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  t = Date.now();
  const image = SKIP_VIRT ? undefined : ext4Image(used);
  if (image && !image.built) note(`ext4 image ${image.path} from the cache`);

  const versions = {
    sysprep: firstLine(BIN, ['--version']),
    virtSysprep: SKIP_VIRT ? undefined : firstLine('virt-sysprep', ['--version']),
    qemu: SKIP_VIRT ? undefined : firstLine('qemu-system-x86_64', ['--version']),
    mke2fs: firstLine('mke2fs', ['-V']),
    node: process.version,
  };
  const machine = {
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? '?',
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    rootFs: firstLine('findmnt', ['-no', 'FSTYPE', '-T', CACHE_DIR]),
  };

  // warm-up (untimed): one sysprep run per mode, the libguestfs appliance once
  note('warm-up: one untimed sysprep run on each kind of copy');
  for (const mode of ['copy', 'overlay'] as const) await sysprepOnce(mode, used);
  let virtError: string | undefined;
  if (!SKIP_VIRT) {
    note('checking that the libguestfs appliance starts (direct backend, TCG)');
    const pre = virtPreflight();
    if (!pre.ok) virtError = pre.error;
  }

  if (WAIT_IDLE_MINUTES > 0) await waitIdle(WAIT_IDLE_MINUTES, machine.cpus);
  loadStart = os.loadavg()[0]!;

  // timed. Rounds interleave the kinds of run (sysprep on a copy, on an overlay, and virt-sysprep in
  // rounds spread over the whole series), so load from other work on the machine hits all alike.
  const samples: Record<Mode, Sample[]> = { copy: [], overlay: [] };
  const virtSamples: Sample[] = [];
  const rounds = Math.max(SYSPREP_RUNS, image && !virtError ? VIRT_RUNS : 0);
  const virtRounds = new Set(
    Array.from({ length: VIRT_RUNS }, (_, j) => (VIRT_RUNS === 1 ? 0 : Math.round((j * (rounds - 1)) / (VIRT_RUNS - 1)))),
  );
  for (let i = 0; i < rounds; i++) {
    if (i < SYSPREP_RUNS) {
      for (const mode of ['copy', 'overlay'] as const) {
        const s = await sysprepOnce(mode, used);
        samples[mode].push(s);
        note(`sysprep ${mode} run ${i + 1}/${SYSPREP_RUNS}: ${fmtS(s.seconds)} (CPU ${fmtS(s.cpuSeconds)}), ${fmtMiB(s.maxRssKiB)}`);
      }
    }
    if (image && !virtError && virtRounds.has(i)) {
      try {
        const s = await virtSysprepOnce(image);
        virtSamples.push(s);
        note(
          `virt-sysprep run ${virtSamples.length}/${VIRT_RUNS}: ${fmtS(s.seconds)} (CPU ${fmtS(s.cpuSeconds)}), ` +
            `${fmtMiB(s.maxRssKiB)} (tree ${fmtMiB(s.treeRssKiB)})`,
        );
      } catch (err) {
        virtError = (err as Error).message;
      }
    }
  }

  const copy = stats(samples.copy);
  const overlay = stats(samples.overlay);
  const virt = virtSamples.length ? stats(virtSamples) : undefined;
  const syncOf = (ss: Sample[]) => median(ss.map((s) => s.syncSeconds ?? 0));
  const ratio = virt ? virt.median / copy.median : undefined;
  const ratioOverlay = virt ? virt.median / overlay.median : undefined;

  // report
  const out: string[] = [];
  out.push('');
  out.push(`generalize benchmark  ${new Date().toISOString()}`);
  out.push(`machine: ${machine.cpu} x${machine.cpus}, ${machine.memGiB} GiB, kernel ${machine.kernel}, cache on ${machine.rootFs}`);
  out.push(`versions: ${versions.sysprep} (node ${versions.node})${virt || virtError ? `; ${versions.virtSysprep}; ${versions.qemu}` : ''}; ${versions.mke2fs}`);
  out.push(`content: used root ${used}`);
  out.push(`load average (1 min) at start ${loadStart.toFixed(2)}, at end ${os.loadavg()[0]!.toFixed(2)} on ${machine.cpus} CPUs`);
  if (Math.max(loadStart, os.loadavg()[0]!) > machine.cpus / 2) {
    out.push('WARNING: the machine was busy with other work during the run; wall times are noisy (CPU times less so).');
  }
  if (image) {
    out.push(
      `image: ${image.path}  ${(image.bytes / 2 ** 20).toFixed(0)} MiB ext4 (content ${(image.contentBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `${image.files} files, +30 %)`,
    );
  }
  out.push('');
  const head = ['', 'runs', 'median', 'min', 'max', 'CPU (median)', 'peak RSS', 'tree RSS', 'syncfs after'];
  const row = (name: string, st: Stats, tree: string, sync: string) =>
    [name, String(st.runs), fmtS(st.median), fmtS(st.min), fmtS(st.max), fmtS(st.cpuMedian), fmtMiB(st.peakRssKiB), tree, sync];
  const rows: string[][] = [
    row('sysprep, cp -a copy', copy, '-', fmtS(syncOf(samples.copy))),
    row('sysprep, overlayfs', overlay, '-', fmtS(syncOf(samples.overlay))),
  ];
  if (virt) rows.push(row('virt-sysprep, ext4 image (TCG)', virt, fmtMiB(virt.peakTreeRssKiB), 'included'));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  out.push(line(head));
  for (const r of rows) out.push(line(r));
  out.push('');
  out.push('CPU: user + system seconds of the child and the descendants it waited for (/usr/bin/time %U + %S).');
  out.push('peak RSS: ru_maxrss of the timed child (/usr/bin/time %M; for virt-sysprep the largest of it and qemu).');
  out.push('tree RSS: largest sum of RSS over virt-sysprep\'s process tree, sampled every 100 ms.');
  out.push('syncfs after: median time of `sync -f ROOT` after sysprep exits (not in the timed figure).');
  out.push('');
  const pass = (b: boolean) => (b ? 'PASS' : 'FAIL');
  const underOne = copy.median < TARGET_SYSPREP_SECONDS;
  out.push(`target: sysprep under ${TARGET_SYSPREP_SECONDS} s on the directory: ${pass(underOne)} (median ${fmtS(copy.median)} cp -a copy, ${fmtS(overlay.median)} overlayfs)`);
  if (ratio !== undefined && ratioOverlay !== undefined) {
    out.push(`ratio virt-sysprep median / sysprep median: ${ratio.toFixed(1)}x (cp -a copy), ${ratioOverlay.toFixed(1)}x (overlayfs)`);
    out.push(`target: at least ${TARGET_RATIO}x faster than virt-sysprep: ${pass(ratio >= TARGET_RATIO)}`);
  } else {
    out.push(`target: at least ${TARGET_RATIO}x faster than virt-sysprep: NOT MEASURED${SKIP_VIRT ? ' (BENCH_SKIP_VIRT=1)' : ''}`);
  }
  if (virtError) out.push(`virt-sysprep failed:\n${virtError}`);

  const results = {
    date: new Date().toISOString(),
    machine,
    loadAverage: { start: loadStart, end: os.loadavg()[0] },
    versions,
    content: { usedRoot: used, image: image && { path: image.path, bytes: image.bytes, contentBytes: image.contentBytes, files: image.files } },
    method: {
      sysprep: `${BIN} --root R /generalize /quit /quiet; R = fresh cp -a copy (headline) or overlayfs over the used root; one untimed warm-up each`,
      virtSysprep: 'LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg virt-sysprep --format raw -a IMG; IMG = fresh cp --sparse=always of the cached image; appliance warmed up untimed',
      memory: 'ru_maxrss of the timed child via /usr/bin/time -f %M (KiB); virt-sysprep tree RSS sampled every 100 ms',
    },
    sysprep: { copy: { ...copy, syncfsMedian: syncOf(samples.copy) }, overlay: { ...overlay, syncfsMedian: syncOf(samples.overlay) } },
    virtSysprep: virt ?? null,
    virtSysprepError: virtError ?? null,
    ratio: ratio ?? null,
    ratioOverlay: ratioOverlay ?? null,
    targets: {
      sysprepUnderOneSecond: underOne,
      atLeast30xFaster: ratio === undefined ? null : ratio >= TARGET_RATIO,
    },
  };
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  out.push(`results: ${RESULTS}`);
  console.log(out.join('\n'));
  return virtError ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    cleanup();
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
