/**
 * Verify benchmark (issue 11, "Speed"): `sysprep verify` and its peers on the same tree, in one run.
 *
 * The tree is an overlayfs view of the cached used bookworm root (test/fixtures/used-root.ts; the
 * cached tree itself is never written). Before anything else the benchmark reads the original
 * machine's identity out of the view and the fixture's constants (GOLDEN_*) as literal strings; then
 * `bin/sysprep verify --record --root VIEW` records the fingerprints once (untimed).
 *
 *   1. verify          `bin/sysprep verify --root VIEW --json`: fingerprints, secrets by rule, unowned
 *                      keys; every regular file, compressed ones unpacked. Exit 1 is expected (the used
 *                      root has findings); its JSON gives the findings and the files it read.
 *   2. rg              `rg -uuu -a -F -i -c -f LITERALS VIEW`: ripgrep looking for the same literal
 *                      values the record holds (machine id as hex, UUID and base64; the host names;
 *                      each MAC spelled with colons, dashes, bare, Cisco's dots and as the EUI-64
 *                      interface id; the leased addresses with dots and dashes; each SSH host key's
 *                      public blob, SHA256 and MD5 fingerprints and its private key's lines) in every
 *                      byte of every file, case-insensitively: reading every byte, the I/O limit of
 *                      this work. Not expressible as literals, so not searched for: whole-file copies
 *                      of random seeds and binary identity files, and ids providers declare in other
 *                      identity files.
 *   3. rg -z           the same, also searching inside compressed files, as verify does (exit 2 is
 *                      accepted: a few compressed files its decompressors refuse, e.g. a zstd core dump).
 *   4. secretlint      secretlint's CLI (the version matching the @secretlint/* libraries verify uses)
 *                      with @secretlint/secretlint-rule-preset-recommend, from a .secretlintrc.json
 *                      outside the view: `secretlint --cwd VIEW --format json EVERYTHING '!LINK' …`
 *                      (EVERYTHING: the glob of every file, two stars, a slash and a star).
 *                      It includes dotfiles by itself and reads no .gitignore (only a .secretlintignore,
 *                      given as an empty file outside the view). Its glob follows symbolic links, so
 *                      every link in the view is excluded by a negative pattern, relative to --cwd
 *                      (its glob drops literal absolute ones): otherwise it reads /usr three
 *                      times through the merged-/usr links (/bin, /lib, /sbin), resolves absolute links
 *                      on the host, and stops at the first dangling link (ENOENT, exit 2, no report).
 *                      Names holding a backslash (systemd's `system-systemd\x2dcryptsetup.slice`) are
 *                      excluded too: its glob library turns `\` into `/` and the read fails the same
 *                      way. So it reads the regular files verify reads, less those few (the report
 *                      names them). Runs over BENCH_SECRETLINT_TIMEOUT minutes are killed, with what
 *                      they started, and reported as "> N min (timeout)"; the CLI takes tens of
 *                      milliseconds per small binary file, so expect a long run.
 *   5. verify, big     verify on a second view with a 2 GiB log planted (/var/log/bench-big.log, written
 *                      in full, not sparse): syslog lines of the original machine, its host name on every
 *                      line (the worst case for a scan that finds it: millions of places in one file), to
 *                      show whether memory stays flat whatever the file sizes; `rg` on the same tree for
 *                      scale. BENCH_BIG_HOST=0 writes the same lines with another host name (bulk data,
 *                      nothing to find).
 *
 * Timing: the page cache is warm (an untimed rg -z over each view reads every byte first, then one
 * untimed verify on the used root). Only the tool process is timed, wall clock around the spawn; rounds
 * rotate the order of the variants and spread the rarer runs (secretlint, the big tree) over the
 * series, so load from other work on the machine hits all alike. A secretlint run that times out is
 * not repeated. Peak memory is ru_maxrss of the timed child (or of the largest descendant it reaped:
 * rg -z's decompressors, verify's xz and zstd) via `/usr/bin/time -f %M`. Medians are reported, with
 * the spread (min, max).
 *
 * Targets (issue 11): verify within 3x of rg's time on the same tree (also shown against rg -z), faster
 * than secretlint, peak memory under 256 MiB (on the used root and on the tree with the 2 GiB file).
 *
 * Results: a table on stdout and JSON in $SYSPREP_TEST_CACHE/bench/verify-latest.json; exit 1 when a
 * verify or rg run failed (secretlint's failures and timeouts are results). Environment: BENCH_RUNS
 * (runs of verify and rg on the used root, default 5), BENCH_SECRETLINT_RUNS (default 2),
 * BENCH_SECRETLINT_TIMEOUT (minutes, default 15), BENCH_SKIP_SECRETLINT=1, BENCH_BIG_RUNS (runs on the
 * big tree, default 2), BENCH_BIG_GIB (size of the planted file, default 2), BENCH_BIG_HOST=0,
 * BENCH_SKIP_BIG=1, BENCH_WAIT_IDLE=MINUTES (before timing, wait up to that long for the load average
 * to drop under half the CPUs; the load is printed either way).
 *
 *   npm run bench:verify
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GOLDEN_HOSTNAME, GOLDEN_MAC, GOLDEN_MACHINE_ID } from '../test/fixtures/lived-in.js';
import { overlayRoot, Scratch, usedRoot } from '../test/fixtures/used-root.js';
import { BIN, REPO } from '../test/harness/sysprep.js';
import { assertScratch } from './lib/chroot.js';
import { measure, Sample, TIME } from './lib/measure.js';
import { disposing, note, runBenchmark } from './lib/process.js';
import { fmtMiB, fmtS, passFail, table, writeResults } from './lib/report.js';
import { firstLine, run } from './lib/run.js';
import { BENCH_DIR, CACHE_DIR, positiveInt, WORK_DIR } from './lib/settings.js';
import { rotation, spreadOver, Stats, stats } from './lib/stats.js';
import { load, machine, refused, requireBuilt, requireCommands, requireRoot, waitIdle } from './lib/system.js';

const RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const SECRETLINT_RUNS = positiveInt(process.env.BENCH_SECRETLINT_RUNS, 2);
const SECRETLINT_TIMEOUT_MIN = positiveInt(process.env.BENCH_SECRETLINT_TIMEOUT, 15);
const SKIP_SECRETLINT = process.env.BENCH_SKIP_SECRETLINT === '1';
const BIG_GIB = positiveInt(process.env.BENCH_BIG_GIB, 2);
const BIG_RUNS = positiveInt(process.env.BENCH_BIG_RUNS, 2);
const BIG_NAMES_HOST = process.env.BENCH_BIG_HOST !== '0';
const SKIP_BIG = process.env.BENCH_SKIP_BIG === '1';
const WAIT_IDLE_MINUTES = Number(process.env.BENCH_WAIT_IDLE) || 0;
const TARGET_RG_RATIO = 3;
const TARGET_RSS_MIB = 256;

const SECRETLINT = path.join(REPO, 'node_modules/.bin/secretlint');
const BIG_FILE = '/var/log/bench-big.log';

// ---------------------------------------------------------------------------------------------------
// the literals: the original machine's identity as rg can look for it

interface Literals {
  values: string[];
  /** how many values of each kind, for the report */
  kinds: Record<string, number>;
}

const MAC_RE = /\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/gi;
const LEASED_RE = /^\s*(?:fixed-address|ADDRESS=|ip_address=|yiaddr=)\s*(\d{1,3}(?:\.\d{1,3}){3})/gm;

/** A file of the view as text ('' when missing). */
function readIn(view: string, file: string): string {
  try {
    return fs.readFileSync(path.join(view, file), 'utf8');
  } catch {
    return '';
  }
}

/** The files in `dir` of the view whose names pass `keep` (paths in the view). */
function filesIn(view: string, dir: string, keep: (name: string) => boolean = () => true): string[] {
  try {
    return fs.readdirSync(path.join(view, dir)).filter(keep).map((n) => path.posix.join(dir, n));
  } catch {
    return [];
  }
}

/** Every spelling of a MAC verify knows (colons, dashes, bare, Cisco's dots, the EUI-64 interface id). */
function macSpellings(mac: string): string[] {
  const hex = mac.replace(/[^0-9a-f]/gi, '').toLowerCase();
  const pairs = hex.match(/../g)!;
  const b0 = (parseInt(pairs[0]!, 16) ^ 2).toString(16).padStart(2, '0');
  const eui = `${b0}${pairs[1]}:${pairs[2]}ff:fe${pairs[3]}:${pairs[4]}${pairs[5]}`.replace(/(^|:)0+(?=[0-9a-f])/g, '$1');
  return [pairs.join(':'), pairs.join('-'), hex, `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`, eui];
}

/** An SSH public key line's blob, its SHA256 fingerprint (unpadded base64) and MD5 (hex, with and without colons). */
function sshPublicForms(line: string): string[] {
  const blob = /^\S+\s+([A-Za-z0-9+/]+={0,2})/.exec(line.trim())?.[1];
  if (!blob) return [];
  const bytes = Buffer.from(blob, 'base64');
  const md5 = createHash('md5').update(bytes).digest('hex');
  return [blob, createHash('sha256').update(bytes).digest('base64').replace(/=+$/, ''), md5.match(/../g)!.join(':'), md5];
}

/** A private key's body lines, but an OpenSSH key's first (the same in every unencrypted key). */
function privateKeyLines(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----\r?\n([\s\S]*?)-----END \1-----/g)) {
    const lines = m[2]!.split(/\r?\n/).filter((l) => /^[A-Za-z0-9+/]{20,}={0,2}$/.test(l));
    out.push(...(m[1] === 'OPENSSH PRIVATE KEY' ? lines.slice(1) : lines));
  }
  return out;
}

/**
 * The original machine's identity as literal strings, from the fixture's constants and the view's
 * files, read before anything else touches the view.
 */
function literalsOf(view: string): Literals {
  const machineId = readIn(view, '/etc/machine-id').trim();
  if (machineId !== GOLDEN_MACHINE_ID) throw new Error(`the used root's machine id is ${machineId}, not the fixture's ${GOLDEN_MACHINE_ID}`);
  const id = GOLDEN_MACHINE_ID;
  const machineIds = [id, `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`, Buffer.from(id, 'hex').toString('base64')];

  // the host name and the names /etc/hosts gives this machine (127.0.1.1)
  const hostNames = new Set([GOLDEN_HOSTNAME]);
  for (const line of readIn(view, '/etc/hosts').split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f[0] === '127.0.1.1' || f.slice(1).includes(GOLDEN_HOSTNAME)) f.slice(1).forEach((n) => hostNames.add(n));
  }

  // MACs and leased addresses, where Linux keeps them
  const netFiles = [
    ...filesIn(view, '/etc/udev/rules.d', (n) => n.endsWith('.rules')), ...filesIn(view, '/etc/netplan'),
    ...filesIn(view, '/etc/NetworkManager/system-connections'), ...filesIn(view, '/etc/sysconfig/network-scripts', (n) => n.startsWith('ifcfg-')),
    ...filesIn(view, '/var/lib/dhcp'), ...filesIn(view, '/var/lib/NetworkManager', (n) => n.endsWith('.lease')),
    ...filesIn(view, '/var/lib/systemd/netif/leases'),
  ];
  const macs = new Set([GOLDEN_MAC.toLowerCase()]);
  const addresses = new Set<string>();
  for (const file of netFiles) {
    const text = readIn(view, file);
    for (const m of text.matchAll(MAC_RE)) {
      const mac = m[0].toLowerCase().replace(/-/g, ':');
      if (!/^(00:){5}00$|^(ff:){5}ff$/.test(mac)) macs.add(mac);
    }
    for (const m of text.matchAll(LEASED_RE)) if (!/^(127|0)\./.test(m[1]!)) addresses.add(m[1]!);
  }

  // SSH host keys: the public halves in every form, the private halves by their lines
  const pubs = filesIn(view, '/etc/ssh', (n) => /^ssh_host_.*_key\.pub$/.test(n));
  const sshPublic = pubs.flatMap((p) => sshPublicForms(readIn(view, p)));
  const sshPrivate = pubs.flatMap((p) => privateKeyLines(readIn(view, p.replace(/\.pub$/, ''))));
  if (!sshPublic.length) throw new Error('no SSH host public keys in the used root');

  const values = [
    ...machineIds, ...hostNames, ...[...macs].flatMap(macSpellings),
    ...[...addresses].flatMap((a) => [a, a.replace(/\./g, '-')]), ...sshPublic, ...sshPrivate,
  ];
  return {
    values: [...new Set(values)],
    kinds: {
      'machine id (hex, UUID, base64)': machineIds.length,
      'host names': hostNames.size,
      [`MAC spellings (${macs.size} MACs x 5)`]: macs.size * 5,
      [`leased addresses (${addresses.size} x 2)`]: addresses.size * 2,
      [`SSH public key forms (${pubs.length} keys x 4)`]: sshPublic.length,
      'SSH private key lines': sshPrivate.length,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// what secretlint is given: a config and an empty ignore file outside the view, and the patterns

/** Glob syntax escaped, for a literal path in a pattern. */
const globEscape = (p: string): string => p.replace(/[\\*?[\]{}()!@+|,]/g, '\\$&');

interface SecretlintInput {
  rc: string;
  ignoreFile: string;
  /** the patterns, relative to the view (its --cwd): everything, but links and names it cannot read */
  patterns: string[];
  /** regular files it is not given: names with a backslash */
  skipped: string[];
  /** how many links are excluded */
  links: number;
}

function secretlintInput(view: string, aux: string): SecretlintInput {
  const rc = path.join(aux, '.secretlintrc.json');
  fs.writeFileSync(rc, JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }, null, 2) + '\n');
  const ignoreFile = path.join(aux, '.secretlintignore');
  fs.writeFileSync(ignoreFile, '');
  const negatives: string[] = [];
  const skipped: string[] = [];
  let links = 0;
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(view, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isSymbolicLink()) {
        links++;
        negatives.push(`!${globEscape(rel)}`);
        let isDir = false;
        try {
          isDir = fs.statSync(path.join(view, rel)).isDirectory();
        } catch {
          /* dangling */
        }
        if (isDir) negatives.push(`!${globEscape(rel)}/**`);
      } else if (e.isDirectory()) {
        walk(rel);
      } else if (e.isFile() && e.name.includes('\\')) {
        skipped.push(`/${rel}`);
        negatives.push(`!${globEscape(rel)}`);
      }
    }
  };
  walk('');
  return { rc, ignoreFile, patterns: ['**/*', ...negatives], skipped, links };
}

// ---------------------------------------------------------------------------------------------------
// the variants: one timed run of each

type Variant = 'verify' | 'rg' | 'rg -z' | 'secretlint' | 'verify, big' | 'rg, big';
const VARIANTS: readonly Variant[] = ['verify', 'rg', 'rg -z', 'secretlint', 'verify, big', 'rg, big'];

/** What a run found, as the tool counts it. */
interface Found {
  /** verify: findings; secretlint: messages; rg: matching lines */
  found: number;
  /** files with something found */
  inFiles: number;
  /** files the tool read (verify and secretlint say) */
  read?: number;
  /** bytes verify read */
  bytes?: number;
}

interface Run {
  sample: Sample;
  found?: Found;
  /** what went wrong, when the run did not finish as it should */
  failure?: string;
}

/** The view is still there (something else on a shared machine could unmount it). */
function stillMounted(root: string): string {
  if (!fs.existsSync(path.join(root, '.planted'))) throw new Error(`the view ${root} is gone (unmounted by something else?)`);
  return root;
}

/** What a failed run says: its exit status (or the timeout) and its first line of output. */
function failure(s: Sample, timeoutMin = 30): string {
  if (s.timedOut) return `> ${timeoutMin} min (timeout)`;
  const first = s.output.trim().split('\n')[0] ?? '';
  return `exit ${s.status}${s.status === 128 ? ' (killed)' : ''}${first ? `: ${first.slice(0, 200)}` : ''}`;
}

async function verifyOnce(root: string): Promise<Run> {
  const sample = await measure(BIN, ['verify', '--root', stillMounted(root), '--json'], { timeoutMs: 30 * 60_000 });
  // 1: findings (the used root has them); 0 would be clean
  if (sample.status !== 0 && sample.status !== 1) return { sample, failure: failure(sample) };
  const r = JSON.parse(sample.stdout) as { findings: { path: string }[]; files: number; bytes: number };
  return { sample, found: { found: r.findings.length, inFiles: new Set(r.findings.map((f) => f.path)).size, read: r.files, bytes: r.bytes } };
}

async function rgOnce(root: string, literals: string, z: boolean): Promise<Run> {
  const sample = await measure('rg', ['-uuu', '-a', '-F', '-i', '-c', ...(z ? ['-z'] : []), '-f', literals, stillMounted(root)], { timeoutMs: 30 * 60_000 });
  // 0: matches; 2: matches, and some file it could not read (with -z: compressed data its decompressor refused)
  if (sample.status !== 0 && sample.status !== 2) return { sample, failure: failure(sample) };
  const counts = sample.stdout.split('\n').filter(Boolean).map((l) => Number(l.slice(l.lastIndexOf(':') + 1)));
  return { sample, found: { found: counts.reduce((a, b) => a + b, 0), inFiles: counts.length } };
}

async function secretlintOnce(root: string, input: SecretlintInput): Promise<Run> {
  const args = ['--cwd', stillMounted(root), '--secretlintrc', input.rc, '--secretlintignore', input.ignoreFile, '--format', 'json', '--no-color', ...input.patterns];
  const sample = await measure(SECRETLINT, args, { timeoutMs: SECRETLINT_TIMEOUT_MIN * 60_000 });
  // 1: findings; 0: none; 2: it failed
  if (sample.status !== 0 && sample.status !== 1) return { sample, failure: failure(sample, SECRETLINT_TIMEOUT_MIN) };
  const r = JSON.parse(sample.stdout) as { messages: unknown[] }[];
  return { sample, found: { found: r.reduce((n, f) => n + f.messages.length, 0), inFiles: r.filter((f) => f.messages.length).length, read: r.length } };
}

// ---------------------------------------------------------------------------------------------------
// the trees: the view of the used root, and a second one with a big file

/** A record of the fingerprints in `root` (untimed); verify's summary line. */
function record(root: string): string {
  return run(BIN, ['verify', '--record', '--root', root]).trim();
}

/** Syslog lines, `bytes` of them, written for real (not sparse), then flushed; `host` on every line. */
function plantBigLog(root: string, bytes: number, host: string): void {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 1 << 20; i++) {
    const line = `Nov 20 ${String(10 + (i % 14)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')} ` +
      `${host} app[${1000 + (i % 5000)}]: request ${i} served in ${(i * 37) % 1000} ms, ${(i * 7919) % 65536} bytes, cache ${i % 3 ? 'hit' : 'miss'}\n`;
    lines.push(line);
    size += line.length;
  }
  const block = Buffer.from(lines.join(''));
  const file = path.join(assertScratch(root, [WORK_DIR]), BIG_FILE);
  const fd = fs.openSync(file, 'w', 0o640);
  try {
    for (let written = 0; written < bytes; written += block.length) fs.writeSync(fd, block, 0, Math.min(block.length, bytes - written));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

interface Trees {
  view: Scratch;
  big: Scratch | undefined;
  aux: string;
  literalsFile: string;
  literals: Literals;
  recorded: string;
  secretlint: SecretlintInput | undefined;
}

/** Build everything untimed: literals first, then the record, the secretlint input, the big tree. */
function prepare(used: string, view: Scratch, aux: string, big: Scratch | undefined): Trees {
  const root = assertScratch(view.root, [WORK_DIR]);
  const literals = literalsOf(root);
  const literalsFile = path.join(aux, 'literals.txt');
  fs.writeFileSync(literalsFile, literals.values.join('\n') + '\n');
  const recorded = record(root);
  note(`${recorded}; rg looks for ${literals.values.length} literal strings`);
  const secretlint = SKIP_SECRETLINT ? undefined : secretlintInput(root, aux);
  if (big) {
    note(`planting a ${BIG_GIB} GiB log in a second view of ${used}`);
    record(big.root);
    plantBigLog(big.root, BIG_GIB * 2 ** 30, BIG_NAMES_HOST ? GOLDEN_HOSTNAME : 'otherhost');
  }
  return { view, big, aux, literalsFile, literals, recorded, secretlint };
}

/** One run of `v`. */
function once(v: Variant, t: Trees): Promise<Run> {
  switch (v) {
    case 'verify':
      return verifyOnce(t.view.root);
    case 'rg':
      return rgOnce(t.view.root, t.literalsFile, false);
    case 'rg -z':
      return rgOnce(t.view.root, t.literalsFile, true);
    case 'secretlint':
      return secretlintOnce(t.view.root, t.secretlint!);
    case 'verify, big':
      return verifyOnce(t.big!.root);
    case 'rg, big':
      return rgOnce(t.big!.root, t.literalsFile, false);
  }
}

/** Read every byte of each tree once (rg -z), then one untimed verify on the used root. */
async function warmUp(t: Trees): Promise<void> {
  note('warm-up: an untimed rg -z over each tree, and one untimed verify on the used root');
  for (const root of [t.view.root, ...(t.big ? [t.big.root] : [])]) await rgOnce(root, t.literalsFile, true);
  await verifyOnce(t.view.root);
}

/** How many timed runs of `v`. */
const runsOf = (v: Variant): number => (v === 'secretlint' ? SECRETLINT_RUNS : v.endsWith(', big') ? BIG_RUNS : RUNS);

/** Rounds in a rotating order; the rarer runs spread over the series; secretlint not again after a timeout. */
async function timedRounds(t: Trees, variants: Variant[]): Promise<Map<Variant, Run[]>> {
  const runs = new Map<Variant, Run[]>(variants.map((v) => [v, []]));
  const rounds = Math.max(...variants.map(runsOf));
  const when = new Map(variants.map((v) => [v, spreadOver(runsOf(v), rounds)]));
  for (let i = 0; i < rounds; i++) {
    for (const v of rotation(variants, i)) {
      const done = runs.get(v)!;
      if (!when.get(v)!.has(i) || done.some((r) => r.sample.timedOut)) continue;
      const r = await once(v, t);
      done.push(r);
      const found = r.found ? `, ${r.found.found} found in ${r.found.inFiles} files` : '';
      const figures = r.failure ?? `${fmtS(r.sample.seconds)} (CPU ${fmtS(r.sample.cpuSeconds)}), ${fmtMiB(r.sample.maxRssKiB)}`;
      note(`${v} run ${done.length}/${runsOf(v)}: ${figures}${found}`);
    }
  }
  return runs;
}

async function main(): Promise<number> {
  const cannot = refused(
    () => requireRoot('overlay mounts, sysprep verify --root'),
    () => requireBuilt(['dist/src/cli/main.js'], 'dist/src/cli/main.js is missing: build first (npm run build)'),
    () => requireCommands([TIME, 'rg'], { [TIME]: 'apt-get install time', rg: 'apt-get install ripgrep' }),
    () => (SKIP_SECRETLINT ? undefined : requireBuilt(['node_modules/.bin/secretlint'], 'secretlint is missing: npm install (a devDependency)')),
  );
  if (cannot) return 2;
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const m = { ...machine(), rootFs: firstLine('findmnt', ['-no', 'FSTYPE', '-T', CACHE_DIR]) };
  note('used bookworm root: taken from the cache, or built when missing (debootstrap + planting: several minutes the first time)');
  const used = usedRoot('bookworm');
  const versions = {
    sysprep: firstLine(BIN, ['--version']),
    rg: firstLine('rg', ['--version']),
    secretlint: SKIP_SECRETLINT ? undefined : firstLine(SECRETLINT, ['--version']),
    node: process.version,
  };
  const variants = VARIANTS.filter((v) => !(SKIP_SECRETLINT && v === 'secretlint') && !(SKIP_BIG && v.endsWith(', big')));
  const view = overlayRoot(used, 'bench-verify');
  return disposing(
    () => view.dispose(),
    () => {
      const big = SKIP_BIG ? undefined : overlayRoot(used, 'bench-verify-big');
      return disposing(
        () => big?.dispose(),
        () => {
          const aux = fs.mkdtempSync(path.join(WORK_DIR, 'bench-verify-aux-'));
          return disposing(
            () => fs.rmSync(aux, { recursive: true, force: true }),
            async () => {
              const t = prepare(used, view, aux, big);
              await warmUp(t);
              if (WAIT_IDLE_MINUTES > 0) await waitIdle(WAIT_IDLE_MINUTES, m.cpus);
              const loadStart = load();
              const runs = await timedRounds(t, variants);
              console.log(report({ used, machine: m, versions, trees: t, loadStart, runs }).join('\n'));
              // secretlint's failures and timeouts are results; ours are not
              return [...runs].some(([v, rs]) => v !== 'secretlint' && rs.some((r) => r.failure)) ? 1 : 0;
            },
          );
        },
      );
    },
  );
}

// ---------------------------------------------------------------------------------------------------
// the report

interface Context {
  used: string;
  machine: ReturnType<typeof machine> & { rootFs: string };
  versions: Record<string, string | undefined>;
  trees: Trees;
  loadStart: number;
  runs: Map<Variant, Run[]>;
}

interface Row {
  variant: Variant;
  /** figures of the runs that finished */
  stats: Stats | undefined;
  found: Found | undefined;
  failures: string[];
}

function rowsOf(runs: Map<Variant, Run[]>): Row[] {
  return [...runs].map(([variant, rs]) => {
    const done = rs.filter((r) => !r.failure);
    return { variant, stats: done.length ? stats(done.map((r) => r.sample)) : undefined, found: done.at(-1)?.found, failures: rs.flatMap((r) => (r.failure ? [r.failure] : [])) };
  });
}

const LABELS: Record<Variant, string> = {
  verify: 'sysprep verify --json',
  rg: 'rg -uuu -a -F -i -c',
  'rg -z': 'rg -uuu -a -F -i -c -z',
  secretlint: 'secretlint (recommended preset)',
  'verify, big': 'sysprep verify, + big log',
  'rg, big': 'rg -uuu -a -F -i -c, + big log',
};

function foundText(v: Variant, f: Found | undefined): string {
  if (!f) return '-';
  return v.startsWith('rg') ? `${f.found} lines in ${f.inFiles} files` : `${f.found} in ${f.inFiles} files`;
}

function resultTable(rows: Row[]): string[] {
  const head = ['', 'runs', 'median', 'min', 'max', 'CPU (median)', 'peak RSS', 'found', 'files read'];
  return table(
    head,
    rows.map(({ variant, stats: st, found, failures }) => {
      const runs = String((st?.runs ?? 0) + failures.length);
      if (!st) return [LABELS[variant], runs, failures[0] ?? '-', '-', '-', '-', '-', '-', '-'];
      const max = failures.length ? failures[0]! : fmtS(st.max);
      return [LABELS[variant], runs, fmtS(st.median), fmtS(st.min), max, fmtS(st.cpuMedian), fmtMiB(st.peakRssKiB), foundText(variant, found), found?.read === undefined ? '-' : String(found.read)];
    }),
  );
}

/** a / b as "10.5x", or "-" */
const ratioText = (r: number | undefined): string => (r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(1)}x`);

function report(c: Context): string[] {
  const rows = rowsOf(c.runs);
  const row = (v: Variant) => rows.find((r) => r.variant === v);
  const med = (v: Variant) => row(v)?.stats?.median;
  const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);
  const verify = row('verify')!;
  const secretlint = row('secretlint');
  const ratios = {
    verifyOverRg: div(med('verify'), med('rg')),
    verifyOverRgZ: div(med('verify'), med('rg -z')),
    secretlintOverVerify: div(med('secretlint'), med('verify')),
    bigVerifyOverRg: div(med('verify, big'), med('rg, big')),
  };
  // secretlint that did not finish in time is slower than verify all the same
  const secretlintTimedOut = !!secretlint && !secretlint.stats && secretlint.failures.some((f) => f.includes('timeout'));
  const fasterThanSecretlint = ratios.secretlintOverVerify !== undefined ? ratios.secretlintOverVerify > 1 : secretlintTimedOut ? true : undefined;
  // every verify run counts, a failed one too (it may have failed for want of memory)
  const verifyRuns = [...(c.runs.get('verify') ?? []), ...(c.runs.get('verify, big') ?? [])];
  const peaks = verifyRuns.map((r) => r.sample.maxRssKiB / 1024).filter((x) => Number.isFinite(x));
  const underRss = peaks.length > 0 && peaks.every((x) => x < TARGET_RSS_MIB) && !verifyRuns.some((r) => r.failure);
  const { machine: m, versions, trees: t } = c;

  const out: string[] = [''];
  out.push(`verify benchmark  ${new Date().toISOString()}`);
  out.push(`machine: ${m.cpu} x${m.cpus}, ${m.memGiB} GiB, kernel ${m.kernel}, cache on ${m.rootFs}`);
  out.push(`versions: ${versions.sysprep} (node ${versions.node}); ${versions.rg}${versions.secretlint ? `; secretlint ${versions.secretlint}` : ''}`);
  const vf = verify.found;
  out.push(`content: overlay view of the used root ${c.used}${vf ? ` (${vf.read} files, ${(vf.bytes! / 2 ** 20).toFixed(0)} MiB)` : ''}`);
  if (t.big) {
    out.push(`big: a second view with a ${BIG_GIB} GiB syslog planted at ${BIG_FILE} (written, not sparse), ` +
      (BIG_NAMES_HOST ? "the original machine's host name on every line" : 'naming another host (BENCH_BIG_HOST=0)'));
  }
  out.push(`fingerprints: ${t.recorded}`);
  out.push(`rg literals: ${t.literals.values.length} (${Object.entries(t.literals.kinds).map(([k, n]) => `${k}: ${n}`).join(', ')})`);
  if (t.secretlint) {
    out.push(`secretlint: given every regular file but ${t.secretlint.skipped.length} (${t.secretlint.links} links excluded; names with a backslash it cannot read: ${t.secretlint.skipped.join(', ') || 'none'})`);
  }
  out.push(`load average (1 min) at start ${c.loadStart.toFixed(2)}, at end ${load().toFixed(2)} on ${m.cpus} CPUs`);
  if (Math.max(c.loadStart, load()) > m.cpus / 2) {
    out.push('WARNING: the machine was busy with other work during the run; wall times are noisy (CPU times less so).');
  }
  out.push('', ...resultTable(rows), '');
  out.push('found: verify: findings (each a rule in a file, with its count of places); secretlint: its messages; rg: matching lines (-c).');
  out.push('CPU: user + system seconds of the child and the descendants it waited for (/usr/bin/time %U + %S); rg uses both cores.');
  out.push('peak RSS: ru_maxrss of the timed child or the largest of the descendants it reaped (/usr/bin/time %M).');
  out.push('');
  out.push(`ratios (medians): verify / rg ${ratioText(ratios.verifyOverRg)}, verify / rg -z ${ratioText(ratios.verifyOverRgZ)}, ` +
    `secretlint / verify ${secretlintTimedOut ? `> ${ratioText((SECRETLINT_TIMEOUT_MIN * 60) / (med('verify') ?? NaN))}` : ratioText(ratios.secretlintOverVerify)}` +
    (t.big ? `; with the big log: verify / rg ${ratioText(ratios.bigVerifyOverRg)}` : ''));
  out.push(`target: verify within ${TARGET_RG_RATIO}x of rg's time: ${ratios.verifyOverRg === undefined ? 'NOT MEASURED' : passFail(ratios.verifyOverRg <= TARGET_RG_RATIO)} ` +
    `(${ratioText(ratios.verifyOverRg)}; against rg -z, which also reads compressed files as verify does: ` +
    `${ratios.verifyOverRgZ === undefined ? '-' : `${passFail(ratios.verifyOverRgZ <= TARGET_RG_RATIO)}, ${ratioText(ratios.verifyOverRgZ)}`})`);
  out.push(`target: verify faster than secretlint: ${fasterThanSecretlint === undefined ? `NOT MEASURED${secretlint?.failures.length ? ` (secretlint ${secretlint.failures[0]})` : SKIP_SECRETLINT ? ' (BENCH_SKIP_SECRETLINT=1)' : ''}` : passFail(fasterThanSecretlint)}`);
  out.push(`target: verify's peak memory under ${TARGET_RSS_MIB} MiB: ${passFail(underRss)} (${fmtMiB(row('verify')?.stats?.peakRssKiB)} on the used root` +
    `${t.big ? `, ${fmtMiB(row('verify, big')?.stats?.peakRssKiB)} with the ${BIG_GIB} GiB file` : ''})`);
  for (const r of rows) for (const f of new Set(r.failures)) out.push(`${LABELS[r.variant]}: ${f}`);
  const file = writeResults('verify', {
    date: new Date().toISOString(),
    machine: m,
    loadAverage: { start: c.loadStart, end: load() },
    versions,
    content: {
      usedRoot: c.used,
      files: vf?.read ?? null,
      bytes: vf?.bytes ?? null,
      bigFile: t.big ? { path: BIG_FILE, bytes: BIG_GIB * 2 ** 30, namesTheHost: BIG_NAMES_HOST } : null,
    },
    fingerprints: t.recorded,
    literals: { count: t.literals.values.length, kinds: t.literals.kinds },
    secretlintInput: t.secretlint ? { linksExcluded: t.secretlint.links, skipped: t.secretlint.skipped, timeoutMinutes: SECRETLINT_TIMEOUT_MIN } : null,
    method: {
      verify: `${BIN} verify --root VIEW --json (after one verify --record); VIEW = overlayfs over the used root`,
      rg: 'rg -uuu -a -F -i -c [-z] -f LITERALS VIEW',
      secretlint: 'secretlint --cwd VIEW --secretlintrc RC --secretlintignore EMPTY --format json --no-color "**/*" "!LINK"… (preset-recommend)',
      warmUp: 'an untimed rg -z over each tree; one untimed verify on the used root',
      memory: 'ru_maxrss of the timed child via /usr/bin/time -f %M (KiB)',
    },
    results: Object.fromEntries(rows.map((r) => [r.variant, { ...r.stats, found: r.found ?? null, failures: r.failures }])),
    ratios,
    targets: {
      verifyWithin3xOfRg: ratios.verifyOverRg === undefined ? null : ratios.verifyOverRg <= TARGET_RG_RATIO,
      verifyWithin3xOfRgZ: ratios.verifyOverRgZ === undefined ? null : ratios.verifyOverRgZ <= TARGET_RG_RATIO,
      fasterThanSecretlint: fasterThanSecretlint ?? null,
      peakRssUnder256MiB: underRss,
    },
  });
  out.push(`results: ${file}`);
  return out;
}

runBenchmark(main);
