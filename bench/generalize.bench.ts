/**
 * Generalize benchmark: the same work done two ways, in one run, on this machine.
 *
 *   1. sysprep      `bin/sysprep --root R /generalize /quit /quiet --verify off` (default providers; the
 *                   seal's own verify is what virt-sysprep does not do: bench/verify.bench.ts) on a fresh
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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GOLDEN_MACHINE_ID } from '../test/fixtures/lived-in.js';
import { copiedUsedRoot, overlayRoot, usedRoot } from '../test/fixtures/used-root.js';
import { BIN } from '../test/harness/sysprep.js';
import { assertScratch } from './lib/chroot.js';
import { Ext4Image, ext4Image } from './lib/ext4-image.js';
import { imageMachineId, keepsMachineId } from './lib/inspect.js';
import { measure, Sample, TIME } from './lib/measure.js';
import { disposing, note, runBenchmark } from './lib/process.js';
import { fmtMiB, fmtS, passFail, table, writeResults } from './lib/report.js';
import { firstLine, run, seconds, sparseCopy } from './lib/run.js';
import { BENCH_DIR, CACHE_DIR, positiveInt, WORK_DIR } from './lib/settings.js';
import { median, spreadOver, Stats, stats } from './lib/stats.js';
import { load, machine, refused, requireBuilt, requireCommands, requireRoot, virtPreflight, VIRT_ENV, waitIdle } from './lib/system.js';

const SYSPREP_RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const VIRT_RUNS = Math.max(2, positiveInt(process.env.BENCH_VIRT_RUNS, 3));
const SKIP_VIRT = process.env.BENCH_SKIP_VIRT === '1';
const WAIT_IDLE_MINUTES = Number(process.env.BENCH_WAIT_IDLE) || 0;
const TARGET_SYSPREP_SECONDS = 1;
// issue 12: the providers it added keep a default generalize under 1 s and at least 50x faster than virt-sysprep
const TARGET_RATIO = 50;

// ---------------------------------------------------------------------------------------------------
// the variants: one timed run of each

/** sysprep on a fresh cp -a copy of the used root, or on an overlay over it */
type Mode = 'copy' | 'overlay';
const MODES = ['copy', 'overlay'] as const;

function sysprepOnce(mode: Mode, used: string): Promise<Sample> {
  const scratch = mode === 'copy' ? copiedUsedRoot('bookworm') : overlayRoot(used, 'bench-overlay');
  return disposing(
    () => scratch.dispose(),
    async () => {
      // never anything but a private scratch root
      const root = assertScratch(scratch.root, [WORK_DIR]);
      run('sync', []);
      const s = await measure(BIN, ['--root', root, '/generalize', '/quit', '/quiet', '--verify', 'off'], { timeoutMs: 300_000 });
      if (s.status !== 0) throw new Error(`sysprep (${mode}) exited ${s.status}:\n${s.output}`);
      // it did generalize: the golden machine id is gone
      if (keepsMachineId(root, GOLDEN_MACHINE_ID)) throw new Error(`sysprep (${mode}) left the golden machine-id in place`);
      // what syncfs of its changes costs afterwards (not part of the timed figure; shown for reference)
      s.syncSeconds = seconds(() => run('sync', ['-f', root]));
      return s;
    },
  );
}

/** virt-sysprep on a fresh sparse copy of the ext4 image */
function virtSysprepOnce(image: Ext4Image): Promise<Sample> {
  const copy = path.join(BENCH_DIR, `run-${process.pid}.raw`);
  return disposing(
    () => fs.rmSync(copy, { force: true }),
    async () => {
      sparseCopy(image.path, copy);
      const s = await measure('virt-sysprep', ['--format', 'raw', '-a', copy], { env: VIRT_ENV, sampleTree: true, timeoutMs: 30 * 60_000 });
      if (s.status !== 0) throw new Error(`virt-sysprep exited ${s.status}:\n${s.output}`);
      if (imageMachineId(copy).includes(GOLDEN_MACHINE_ID)) throw new Error('virt-sysprep left the golden machine-id in place');
      return s;
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// the run: fixtures and warm-up (untimed), then the timed rounds

interface Fixtures {
  used: string;
  image: Ext4Image | undefined;
  versions: Record<string, string | undefined>;
  machine: ReturnType<typeof machine> & { rootFs: string };
}

function fixtures(): Fixtures {
  note('used bookworm root: taken from the cache, or built when missing (debootstrap + planting: several minutes the first time)');
  const t = Date.now();
  const used = usedRoot('bookworm');
  note(`used root ${used} ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  const image = SKIP_VIRT ? undefined : ext4Image(used);
  if (image && !image.built) note(`ext4 image ${image.path} from the cache`);
  const versions = {
    sysprep: firstLine(BIN, ['--version']),
    virtSysprep: SKIP_VIRT ? undefined : firstLine('virt-sysprep', ['--version']),
    qemu: SKIP_VIRT ? undefined : firstLine('qemu-system-x86_64', ['--version']),
    mke2fs: firstLine('mke2fs', ['-V']),
    node: process.version,
  };
  return { used, image, versions, machine: { ...machine(), rootFs: firstLine('findmnt', ['-no', 'FSTYPE', '-T', CACHE_DIR]) } };
}

/** One untimed sysprep run per mode, and the libguestfs appliance started once; its error if it did not. */
async function warmUp(used: string): Promise<string | undefined> {
  note('warm-up: one untimed sysprep run on each kind of copy');
  for (const mode of MODES) await sysprepOnce(mode, used);
  if (SKIP_VIRT) return undefined;
  note('checking that the libguestfs appliance starts (direct backend, TCG)');
  const pre = virtPreflight();
  return pre.ok ? undefined : pre.error;
}

interface Timed {
  samples: Record<Mode, Sample[]>;
  virtSamples: Sample[];
  virtError: string | undefined;
}

/**
 * Rounds interleave the kinds of run (sysprep on a copy, on an overlay, and virt-sysprep in rounds
 * spread over the whole series), so load from other work on the machine hits all alike.
 */
async function timedRounds(used: string, image: Ext4Image | undefined, virtError: string | undefined): Promise<Timed> {
  const samples: Record<Mode, Sample[]> = { copy: [], overlay: [] };
  const virtSamples: Sample[] = [];
  const rounds = Math.max(SYSPREP_RUNS, image && !virtError ? VIRT_RUNS : 0);
  const virtRounds = spreadOver(VIRT_RUNS, rounds);
  for (let i = 0; i < rounds; i++) {
    for (const mode of i < SYSPREP_RUNS ? MODES : []) {
      const s = await sysprepOnce(mode, used);
      samples[mode].push(s);
      note(`sysprep ${mode} run ${i + 1}/${SYSPREP_RUNS}: ${fmtS(s.seconds)} (CPU ${fmtS(s.cpuSeconds)}), ${fmtMiB(s.maxRssKiB)}`);
    }
    if (!image || virtError || !virtRounds.has(i)) continue;
    try {
      const s = await virtSysprepOnce(image);
      virtSamples.push(s);
      note(`virt-sysprep run ${virtSamples.length}/${VIRT_RUNS}: ${fmtS(s.seconds)} (CPU ${fmtS(s.cpuSeconds)}), ${fmtMiB(s.maxRssKiB)} (tree ${fmtMiB(s.treeRssKiB)})`);
    } catch (err) {
      virtError = (err as Error).message;
    }
  }
  return { samples, virtSamples, virtError };
}

async function main(): Promise<number> {
  const cannot = refused(
    () => requireRoot('sysprep --root, overlay mounts, mkfs.ext4 -d with owners'),
    () => requireBuilt(['dist/src/cli/main.js'], 'dist/src/cli/main.js is missing: build first (npx tsc -p .)'),
    () => requireCommands([TIME, 'mkfs.ext4', 'debugfs', ...(SKIP_VIRT ? [] : ['virt-sysprep', 'guestfish'])], { [TIME]: 'apt-get install time' }),
  );
  if (cannot) return 2;
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const f = fixtures();
  const warmUpError = await warmUp(f.used);
  if (WAIT_IDLE_MINUTES > 0) await waitIdle(WAIT_IDLE_MINUTES, f.machine.cpus);
  const loadStart = load();
  const timed = await timedRounds(f.used, f.image, warmUpError);
  console.log(report(f, loadStart, timed).join('\n'));
  return timed.virtError ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------------
// the report

interface Figures {
  copy: Stats;
  overlay: Stats;
  virt: Stats | undefined;
  syncCopy: number;
  syncOverlay: number;
  /** virt-sysprep median / sysprep median, on the copy and on the overlay */
  ratio: number | undefined;
  ratioOverlay: number | undefined;
  underOne: boolean;
}

function figures({ samples, virtSamples }: Timed): Figures {
  const copy = stats(samples.copy);
  const overlay = stats(samples.overlay);
  const virt = virtSamples.length ? stats(virtSamples) : undefined;
  const syncOf = (ss: Sample[]) => median(ss.map((s) => s.syncSeconds ?? 0));
  return {
    copy,
    overlay,
    virt,
    syncCopy: syncOf(samples.copy),
    syncOverlay: syncOf(samples.overlay),
    ratio: virt ? virt.median / copy.median : undefined,
    ratioOverlay: virt ? virt.median / overlay.median : undefined,
    underOne: copy.median < TARGET_SYSPREP_SECONDS,
  };
}

function report(f: Fixtures, loadStart: number, timed: Timed): string[] {
  const fig = figures(timed);
  const { copy, overlay, virt, ratio, ratioOverlay } = fig;
  const { machine: m, versions, image } = f;
  const out: string[] = [''];
  out.push(`generalize benchmark  ${new Date().toISOString()}`);
  out.push(`machine: ${m.cpu} x${m.cpus}, ${m.memGiB} GiB, kernel ${m.kernel}, cache on ${m.rootFs}`);
  out.push(`versions: ${versions.sysprep} (node ${versions.node})${virt || timed.virtError ? `; ${versions.virtSysprep}; ${versions.qemu}` : ''}; ${versions.mke2fs}`);
  out.push(`content: used root ${f.used}`);
  out.push(`load average (1 min) at start ${loadStart.toFixed(2)}, at end ${load().toFixed(2)} on ${m.cpus} CPUs`);
  if (Math.max(loadStart, load()) > m.cpus / 2) {
    out.push('WARNING: the machine was busy with other work during the run; wall times are noisy (CPU times less so).');
  }
  if (image) {
    out.push(
      `image: ${image.path}  ${(image.bytes / 2 ** 20).toFixed(0)} MiB ext4 (content ${(image.contentBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `${image.files} files, +30 %)`,
    );
  }
  out.push('', ...resultTable(fig), '');
  out.push('CPU: user + system seconds of the child and the descendants it waited for (/usr/bin/time %U + %S).');
  out.push('peak RSS: ru_maxrss of the timed child (/usr/bin/time %M; for virt-sysprep the largest of it and qemu).');
  out.push('tree RSS: largest sum of RSS over virt-sysprep\'s process tree, sampled every 100 ms.');
  out.push('syncfs after: median time of `sync -f ROOT` after sysprep exits (not in the timed figure).');
  out.push('');
  out.push(`target: sysprep under ${TARGET_SYSPREP_SECONDS} s on the directory: ${passFail(fig.underOne)} (median ${fmtS(copy.median)} cp -a copy, ${fmtS(overlay.median)} overlayfs)`);
  if (ratio !== undefined && ratioOverlay !== undefined) {
    out.push(`ratio virt-sysprep median / sysprep median: ${ratio.toFixed(1)}x (cp -a copy), ${ratioOverlay.toFixed(1)}x (overlayfs)`);
    out.push(`target: at least ${TARGET_RATIO}x faster than virt-sysprep: ${passFail(ratio >= TARGET_RATIO)}`);
  } else {
    out.push(`target: at least ${TARGET_RATIO}x faster than virt-sysprep: NOT MEASURED${SKIP_VIRT ? ' (BENCH_SKIP_VIRT=1)' : ''}`);
  }
  if (timed.virtError) out.push(`virt-sysprep failed:\n${timed.virtError}`);
  const file = writeResults('generalize', resultsJson(f, loadStart, fig, timed.virtError));
  out.push(`results: ${file}`);
  return out;
}

function resultTable({ copy, overlay, virt, syncCopy, syncOverlay }: Figures): string[] {
  const head = ['', 'runs', 'median', 'min', 'max', 'CPU (median)', 'peak RSS', 'tree RSS', 'syncfs after'];
  const row = (name: string, st: Stats, tree: string, sync: string) =>
    [name, String(st.runs), fmtS(st.median), fmtS(st.min), fmtS(st.max), fmtS(st.cpuMedian), fmtMiB(st.peakRssKiB), tree, sync];
  const rows: string[][] = [row('sysprep, cp -a copy', copy, '-', fmtS(syncCopy)), row('sysprep, overlayfs', overlay, '-', fmtS(syncOverlay))];
  if (virt) rows.push(row('virt-sysprep, ext4 image (TCG)', virt, fmtMiB(virt.peakTreeRssKiB), 'included'));
  return table(head, rows);
}

function resultsJson(f: Fixtures, loadStart: number, fig: Figures, virtError: string | undefined): object {
  const { image } = f;
  return {
    date: new Date().toISOString(),
    machine: f.machine,
    loadAverage: { start: loadStart, end: load() },
    versions: f.versions,
    content: { usedRoot: f.used, image: image && { path: image.path, bytes: image.bytes, contentBytes: image.contentBytes, files: image.files } },
    method: {
      sysprep: `${BIN} --root R /generalize /quit /quiet; R = fresh cp -a copy (headline) or overlayfs over the used root; one untimed warm-up each`,
      virtSysprep: 'LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg virt-sysprep --format raw -a IMG; IMG = fresh cp --sparse=always of the cached image; appliance warmed up untimed',
      memory: 'ru_maxrss of the timed child via /usr/bin/time -f %M (KiB); virt-sysprep tree RSS sampled every 100 ms',
    },
    sysprep: { copy: { ...fig.copy, syncfsMedian: fig.syncCopy }, overlay: { ...fig.overlay, syncfsMedian: fig.syncOverlay } },
    virtSysprep: fig.virt ?? null,
    virtSysprepError: virtError ?? null,
    ratio: fig.ratio ?? null,
    ratioOverlay: fig.ratioOverlay ?? null,
    targets: {
      sysprepUnderOneSecond: fig.underOne,
      atLeastTargetRatioFaster: fig.ratio === undefined ? null : fig.ratio >= TARGET_RATIO,
    },
  };
}

runBenchmark(main);
