/**
 * Where a clone's per-clone path spends its time (issue 14, "Speed"; issue 15): the Node.js agent's
 * `agent plan specialize`, timed inside one emulated clone, in variants of how the runtime and the
 * bundle are started. bench/per-clone.bench.ts measures the whole boot; this one isolates the agent.
 *
 * One used bookworm root sealed (`/generalize /oobe /unattend:… --agent full`), booted once with
 * an SMBIOS credential. A unit ordered before sysprep-specialize.service runs, as root, with the state
 * directory restored before every run:
 *
 *   cold          the first start of the runtime (`node -e 0`) and the first plan in this boot
 *   node -e 0     the runtime alone, warm
 *   default       `node sysprep.mjs agent plan specialize`, as the runner starts it
 *   cjs           the same tool bundled as CommonJS (esbuild, here)
 *   code cache    the CommonJS bundle through vm.Script with V8's code cache (made by one run in the
 *                 guest first, with the image's runtime)
 *   --jitless, --single-threaded, --no-opt --no-sparkplug, --lite-mode, --max-semi-space-size=64:
 *                 V8 options on the default bundle
 *   unpack gzip / unpack xz
 *                 what a compressed runtime would cost a boot that needs it: the image's runtime
 *                 (`gzip -9`, `xz -9`) decompressed into /run (the host's xz binary is copied in:
 *                 a debootstrap root has none)
 *
 * Reported: real, user and system seconds per variant (medians over the rounds, and the spread).
 * Environment: BENCH_ROUNDS (default 3), BENCH_CPUS (vCPUs of the guest, default 1), BENCH_KEEP=1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { usedRoot } from '../test/fixtures/used-root.js';
import { BIN } from '../test/harness/sysprep.js';
import { AGENT_DIR } from '../src/model/paths.js';
import { prepareBootImage } from './lib/boot-image.js';
import { installMarkers, timedBoot } from './lib/boot.js';
import { assertScratch, writeFile } from './lib/chroot.js';
import { cloneAnswerFile, smbiosCredential } from './lib/clone-answer.js';
import { note, runBenchmark } from './lib/process.js';
import { f3, table, writeResults } from './lib/report.js';
import { positiveInt } from './lib/settings.js';
import { median, spread } from './lib/stats.js';
import { load, refused, requireBuilt, requireCommands, requireRoot } from './lib/system.js';

const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 3);
const CPUS = positiveInt(process.env.BENCH_CPUS, 1);
const KEEP = process.env.BENCH_KEEP === '1';
const BENCH = `${AGENT_DIR}/bench`;
const MARK = 'SYSPREP-BENCH-AGENT';

/** label → the command (bash words) the guest times; $N is the image's runtime, $P the plan arguments */
const VARIANTS: [string, string][] = [
  ['node -e 0', '$N -e 0'],
  ['default', '$N $A/sysprep.mjs $P'],
  ['cjs', '$N $B/sysprep.cjs $P'],
  ['code cache', '$N $B/cached.cjs $P'],
  ['--jitless', '$N --jitless $A/sysprep.mjs $P'],
  ['--single-threaded', '$N --single-threaded $A/sysprep.mjs $P'],
  ['--no-opt --no-sparkplug', '$N --no-opt --no-sparkplug $A/sysprep.mjs $P'],
  ['--lite-mode', '$N --lite-mode $A/sysprep.mjs $P'],
  ['--max-semi-space-size=64', '$N --max-semi-space-size=64 $A/sysprep.mjs $P'],
  ['unpack gzip', 'gzip -dc $B/node.gz >/run/bench-node; rm -f /run/bench-node'],
  ['unpack xz', '$B/xz -dc $B/node.xz >/run/bench-node; rm -f /run/bench-node'],
];

const guestScript = () => `#!/bin/bash
# sysprep bench: time the agent's specialize planning, variants, before sysprep-specialize.service
# once: specialize reboots into the OOBE, and this unit is pulled in again there
[ -e /var/lib/sysprep-bench-agent.done ] && exit 0
: > /var/lib/sysprep-bench-agent.done
A=${AGENT_DIR}; B=${BENCH}; N=$A/node; P='agent plan specialize'
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TIMEFORMAT='%R %U %S'
cp -a /var/lib/sysprep /run/bench-state
restore() { rm -rf /var/lib/sysprep; cp -a /run/bench-state /var/lib/sysprep; }
run() { # LABEL COMMAND
  local t
  t=$( { time eval "$2" >/dev/null 2>/run/bench-err; } 2>&1 )
  printf '${MARK} %s|%s|%s\\n' "$1" "$t" "$(tr '\\n' ' ' </run/bench-err | grep -v -e '^ *$' | cut -c1-200)" >/dev/console
  restore
}
run 'cold: node -e 0' '$N -e 0'
run 'cold: default' '$N $A/sysprep.mjs $P'
MAKE_CACHE=1 run 'making the code cache' '$N $B/cached.cjs $P'
for round in $(seq ${ROUNDS}); do
${VARIANTS.map(([label, cmd]) => `  run '${label}' '${cmd}'`).join('\n')}
done
echo '${MARK} end' >/dev/console
`;

/** vm.Script over the CommonJS bundle with V8's code cache beside it (made when MAKE_CACHE is set). */
const LOADER = `const fs = require('fs'), vm = require('vm'), path = require('path'), Module = require('module');
const file = path.join(__dirname, 'sysprep.cjs'), cacheFile = file + '.v8cache';
let cachedData; try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
if (cachedData && script.cachedDataRejected) process.stderr.write('code cache rejected\\n');
if (process.env.MAKE_CACHE) process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
const m = new Module(file, module); m.filename = file; m.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext().call(m.exports, m.exports, (id) => m.require(id), m, file, __dirname);
`;

/** The tool as one CommonJS file: main.ts's top-level await (the ES module's entry) taken out, main() called. */
async function commonJsBundle(out: string): Promise<void> {
  const entry = path.join(path.dirname(out), 'entry.ts');
  fs.writeFileSync(entry, `import { main } from '${path.resolve('src/cli/main.ts')}';\nmain(process.argv.slice(2)).then((c) => { process.exitCode = c; });\n`);
  await build({
    entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minify: true, logLevel: 'warning',
    define: { 'import.meta.url': '__import_meta_url' },
    banner: { js: "const __import_meta_url = require('url').pathToFileURL(__filename).href;" },
    plugins: [{
      name: 'no-top-level-entry',
      setup: (b) => b.onLoad({ filter: /src\/cli\/main\.ts$/ }, (a) => ({ loader: 'ts', contents: fs.readFileSync(a.path, 'utf8').replace(/\nif \(import\.meta\.url ===[\s\S]*$/, '\n') })),
    }],
  });
  fs.rmSync(entry);
}

const hostXz = (): string => {
  const r = spawnSync('sh', ['-c', 'command -v xz'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('xz is not installed here (apt-get install xz-utils)');
  return r.stdout.trim();
};

interface Run { label: string; real: number; user: number; sys: number; errors: string }

function parse(serial: string): Run[] {
  const runs: Run[] = [];
  for (const m of serial.matchAll(new RegExp(`${MARK} ([^|\\r\\n]+)\\|([\\d.]+) ([\\d.]+) ([\\d.]+)\\|([^\\r\\n]*)`, 'g'))) {
    runs.push({ label: m[1]!, real: Number(m[2]), user: Number(m[3]), sys: Number(m[4]), errors: m[5]!.trim() });
  }
  return runs;
}

async function main(): Promise<number> {
  if (refused(() => requireRoot('overlay and loop mounts'), () => requireBuilt(['dist/agent/sysprep.mjs'], 'build first (npm run build)'), () => requireCommands(['qemu-system-x86_64', 'xz', 'gzip']))) return 2;
  const started = Date.now();
  const used = usedRoot('bookworm');
  note('sealing the image and adding the timing unit (untimed)');
  const work = fs.mkdtempSync('/tmp/sysprep-agent-start-');
  await commonJsBundle(path.join(work, 'sysprep.cjs'));
  const img = prepareBootImage('agentstart', used, (root, dir) => {
    const golden = path.join(dir, 'unattend.xml');
    fs.writeFileSync(golden, cloneAnswerFile('SEALED-01', 'Sealed-Pw-1'), { mode: 0o600 });
    // the runtime as it is (--agent full): the variants start it directly; the unpack variants time
    // what the default (packed) adds
    const r = spawnSync(BIN, ['--root', assertScratch(root), '/generalize', '/oobe', `/unattend:${golden}`, '--verify', 'off', '--agent', 'full'], { encoding: 'utf8', timeout: 300_000 });
    fs.rmSync(golden, { force: true });
    if (r.status !== 0) throw new Error(`sysprep /generalize failed:\n${r.stdout}${r.stderr}`);
    writeFile(root, `${BENCH.slice(1)}/sysprep.cjs`, fs.readFileSync(path.join(work, 'sysprep.cjs'), 'utf8'));
    writeFile(root, `${BENCH.slice(1)}/cached.cjs`, LOADER);
    fs.cpSync(path.join(root, AGENT_DIR.slice(1), 'cldr'), path.join(root, BENCH.slice(1), 'cldr'), { recursive: true });
    const runtime = path.join(root, AGENT_DIR.slice(1), 'node');
    for (const [tool, ext] of [['gzip', 'gz'], ['xz', 'xz']] as const) {
      const r = spawnSync('sh', ['-c', `${tool} -9 -c "$1" > "$2"`, 'sh', runtime, path.join(root, BENCH.slice(1), `node.${ext}`)], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`${tool} -9 of the runtime failed`);
    }
    fs.copyFileSync(hostXz(), path.join(root, BENCH.slice(1), 'xz'));
    fs.chmodSync(path.join(root, BENCH.slice(1), 'xz'), 0o755);
    writeFile(root, 'usr/local/lib/sysprep-bench/agent-start', guestScript(), 0o755);
    writeFile(root, 'etc/systemd/system/sysprep-bench-agent.service', [
      '[Unit]', 'Description=sysprep bench: time the agent before specialize', 'DefaultDependencies=no',
      'After=local-fs.target systemd-remount-fs.service systemd-tmpfiles-setup.service systemd-sysusers.service systemd-random-seed.service',
      'Before=sysprep-specialize.service', '', '[Service]', 'Type=oneshot', 'TimeoutSec=0', 'ExecStart=/usr/local/lib/sysprep-bench/agent-start', '',
    ].join('\n'));
    fs.mkdirSync(path.join(root, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
    fs.symlinkSync('/etc/systemd/system/sysprep-bench-agent.service', path.join(root, 'etc/systemd/system/sysinit.target.wants/sysprep-bench-agent.service'));
    installMarkers(root, { readyAfter: ['sysprep-specialize.service'], doneAfter: [], reported: ['sysprep-bench-agent.service', 'sysprep-specialize.service'] });
  });
  fs.rmSync(work, { recursive: true, force: true });
  const loadStart = load();
  const serialLog = path.join(img.dir, 'serial.log');
  note(`booting the clone (${CPUS} vCPU, ${ROUNDS} rounds of ${VARIANTS.length} variants: several minutes)`);
  const boot = await timedBoot({ image: img.image, kernel: img.kernel, initrd: img.initrd, cpus: CPUS, timeoutMs: 3_600_000, serialLog, label: 'agent-start boot', extraArgs: smbiosCredential(cloneAnswerFile('CLONE-01', 'Clone-Pw-2')) });
  const runs = parse(fs.readFileSync(serialLog, 'utf8'));
  const failed = runs.filter((r) => r.errors && !/^Warning: disabling flag --expose_wasm/.test(r.errors));
  const labels = [...new Set(runs.map((r) => r.label))];
  const rows = labels.map((label) => {
    const rs = runs.filter((r) => r.label === label);
    const s = spread(rs.map((r) => r.real));
    return [label, String(rs.length), f3(median(rs.map((r) => r.real))), `${f3(s.min)}–${f3(s.max)}`, f3(median(rs.map((r) => r.user))), f3(median(rs.map((r) => r.sys)))];
  });
  const lines = ['', `the agent's start inside a clone: agent plan specialize  ${new Date().toISOString()}`,
    `${CPUS} vCPU, TCG; load average at the start ${loadStart.toFixed(2)}; ${ROUNDS} rounds; the boot took ${boot.qemuSeconds.toFixed(0)} s`, '',
    ...table(['variant (s)', 'runs', 'real', 'spread', 'user', 'system'], rows, { rule: true })];
  if (failed.length) lines.push('', 'runs that wrote errors:', ...failed.map((r) => `  ${r.label}: ${r.errors}`));
  lines.push(`whole benchmark: ${((Date.now() - started) / 60000).toFixed(1)} min`);
  lines.push(`results: ${writeResults('agent-start', { date: new Date().toISOString(), cpus: CPUS, rounds: ROUNDS, loadStart, runs, boot })}`);
  console.log(lines.join('\n'));
  if (!KEEP) fs.rmSync(img.dir, { recursive: true, force: true });
  return runs.length && !failed.length && !boot.problems.length ? 0 : 1;
}

runBenchmark(main);
