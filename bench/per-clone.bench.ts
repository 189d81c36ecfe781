/**
 * Per-clone answer files at first boot (issue 14, "Speed"): what a clone pays when its answer file
 * comes from a systemd credential (SMBIOS type 11) rather than from the plans sealed with the image.
 * One used bookworm root sealed once (`/generalize /oobe /unattend:GOLDEN`), two variants booted from
 * copies of the same image, interleaved round by round:
 *
 *   sealed       no per-clone file: the runner carries out the plans the seal made (no Node.js)
 *   credential   `-smbios type=11,value=io.systemd.credential.binary:sysprep.unattend=…` with an answer
 *                file of the same shape (another host name, account and passwords): the runner sees the
 *                credential, the agent plans specialize (and the OOBE ahead) at boot
 *
 * Both do the same work (host name, time zone, locale, keyboard, one account with a password, root's
 * password, host keys). Timed like bench/firstboot: wall seconds from qemu's start until a marker unit
 * (After= multi-user.target and sysprep's units) prints on the console; systemd's timestamps of the
 * units; the work checked in the image afterwards. Target: the credential clone within 2 s of the
 * sealed one (medians, same emulation).
 *
 * Environment: BENCH_BOOTS (boots per variant, default 3), BENCH_CPUS (default "1"), BENCH_KEEP=1,
 * BENCH_AGENT=full|packed|none (the seal's --agent; default: sysprep's default, packed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { withMountedImage } from '../test/fixtures/disk-image.js';
import { usedRoot } from '../test/fixtures/used-root.js';
import { BIN } from '../test/harness/sysprep.js';
import { prepareBootImage } from './lib/boot-image.js';
import { installMarkers, timedBoot, type TimedBoot } from './lib/boot.js';
import { cloneAnswerFile, smbiosCredential } from './lib/clone-answer.js';
import { assertScratch } from './lib/chroot.js';
import { readFile, readIfExists, shadowHash, verifies } from './lib/inspect.js';
import { note, runBenchmark } from './lib/process.js';
import { f1, signed, table, writeResults } from './lib/report.js';
import { sparseCopy } from './lib/run.js';
import { positiveInt } from './lib/settings.js';
import { median, rotation, spread } from './lib/stats.js';
import { load, refused, requireBuilt, requireCommands, requireRoot } from './lib/system.js';

const BOOTS = positiveInt(process.env.BENCH_BOOTS, 3);
const CPU_COUNTS = (process.env.BENCH_CPUS ?? '1').split(',').map((c) => positiveInt(c.trim(), 1));
const KEEP = process.env.BENCH_KEEP === '1';
/** how the seal puts the agent in (`--agent`): the default (packed: a clone that plans unpacks it first), or full */
const AGENT = process.env.BENCH_AGENT;
const TARGET_SECONDS = 2;

type Variant = 'sealed' | 'credential';
const VARIANTS: Variant[] = ['sealed', 'credential'];
const WORK: Record<Variant, { name: string; password: string }> = {
  sealed: { name: 'SEALED-01', password: 'Sealed-Pw-1' },
  credential: { name: 'CLONE-01', password: 'Clone-Pw-2' },
};
const SYSPREP_UNITS = ['sysprep-specialize.service', 'sysprep-host-keys.service', 'sysprep-oobe.service'];
const credentialArgs = () => smbiosCredential(cloneAnswerFile(WORK.credential.name, WORK.credential.password));

interface Boot extends Omit<TimedBoot, 'problems'> {
  variant: Variant;
  cpus: number;
  round: number;
  specialize: number;
  problems: string[];
}

function check(variant: Variant, root: string): string[] {
  const w = WORK[variant];
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => ok || problems.push(what);
  expect(readIfExists(root, 'etc/hostname') === `${w.name.toLowerCase()}\n`, `host name ${readIfExists(root, 'etc/hostname').trim()}`);
  expect(verifies(shadowHash(root, 'deploy'), w.password), "deploy's password");
  expect(verifies(shadowHash(root, 'root'), w.password), "root's password");
  expect(readIfExists(root, 'var/log/sysprep/panther/setuperr.log').trim() === '', 'setuperr.log is not empty');
  const log = readFile(root, 'var/log/sysprep/panther/setupact.log');
  if (variant === 'sealed') expect(!/Planned at boot/.test(log), 'the agent started');
  else expect(/\[credential\]: taken/.test(log) && /Planned at boot, ahead: oobe/.test(log), 'the credential was not taken, or the OOBE not planned ahead');
  return problems;
}

async function main(): Promise<number> {
  if (refused(() => requireRoot('overlay and loop mounts'), () => requireBuilt(['dist/agent/sysprep.mjs'], 'build first (npm run build)'), () => requireCommands(['qemu-system-x86_64']))) return 2;
  const started = Date.now();
  const used = usedRoot('bookworm');
  note('sealing the image (untimed)');
  const img = prepareBootImage('pcbench', used, (root, dir) => {
    const golden = path.join(dir, 'unattend.xml');
    fs.writeFileSync(golden, cloneAnswerFile(WORK.sealed.name, WORK.sealed.password), { mode: 0o600 });
    const r = spawnSync(BIN, ['--root', assertScratch(root), '/generalize', '/oobe', `/unattend:${golden}`, '--verify', 'off', ...(AGENT ? ['--agent', AGENT] : [])], { encoding: 'utf8', timeout: 300_000 });
    fs.rmSync(golden, { force: true });
    if (r.status !== 0) throw new Error(`sysprep /generalize failed:\n${r.stdout}${r.stderr}`);
    installMarkers(root, { readyAfter: SYSPREP_UNITS, doneAfter: ['first-boot-complete.target'], reported: ['sysinit.target', 'multi-user.target', 'ssh.service', ...SYSPREP_UNITS] });
  });
  const loadStart = load();
  const boots: Boot[] = [];
  for (const cpus of CPU_COUNTS) {
    for (let round = 0; round < BOOTS; round++) {
      for (const variant of rotation(VARIANTS, round)) {
        const image = path.join(img.dir, `${variant}-${cpus}-${round}.raw`);
        sparseCopy(img.image, image);
        const serialLog = path.join(img.dir, `serial-${variant}-${cpus}-${round}.log`);
        const t = await timedBoot({ image, kernel: img.kernel, initrd: img.initrd, cpus, timeoutMs: 600_000, serialLog, label: `${variant} boot ${round + 1}`, ...(variant === 'credential' ? { extraArgs: credentialArgs() } : {}) });
        const problems = [...t.problems, ...withMountedImage(image, { readOnly: true }, (root) => check(variant, root))];
        const u = t.units['sysprep-specialize.service'];
        const b: Boot = { ...t, variant, cpus, round, specialize: u?.start != null && u.active != null ? u.active - u.start : NaN, problems };
        boots.push(b);
        note(`${variant}, ${cpus} vCPU, boot ${round + 1}/${BOOTS}: ready at ${f1(b.wallReady)} s wall (uptime ${f1(b.uptimeReady)} s; specialize ran ${f1(b.specialize)} s); ${problems.length ? `PROBLEMS: ${problems.join('; ')}` : 'work verified'}`);
        if (!problems.length && !KEEP) fs.rmSync(image, { force: true });
      }
    }
  }
  const lines: string[] = ['', `per-clone answer files: sealed plans vs a systemd credential  ${new Date().toISOString()}`, `load average at the start: ${loadStart.toFixed(2)}; ${BOOTS} boots per variant; sealed with --agent ${AGENT ?? 'packed (the default)'}`];
  const results: Record<string, unknown> = {};
  let pass = true;
  for (const cpus of CPU_COUNTS) {
    const of = (v: Variant) => boots.filter((b) => b.cpus === cpus && b.variant === v);
    const rows = VARIANTS.map((v) => {
      const bs = of(v);
      const s = spread(bs.map((b) => b.wallReady));
      return [v, String(bs.length), f1(median(bs.map((b) => b.wallReady))), `${f1(s.min)}–${f1(s.max)}`, f1(median(bs.map((b) => b.uptimeReady))), f1(median(bs.map((b) => b.specialize))), f1(median(bs.map((b) => b.units['sysinit.target']?.active ?? NaN)))];
    });
    const added = median(of('credential').map((b) => b.wallReady)) - median(of('sealed').map((b) => b.wallReady));
    const addedUptime = median(of('credential').map((b) => b.uptimeReady)) - median(of('sealed').map((b) => b.uptimeReady));
    const addedSpecialize = median(of('credential').map((b) => b.specialize)) - median(of('sealed').map((b) => b.specialize));
    const ok = added <= TARGET_SECONDS && boots.every((b) => !b.problems.length);
    pass &&= ok;
    lines.push('', `--- ${cpus} vCPU ---`, ...table(['variant (medians, s)', 'boots', 'wall to ready', 'spread', 'uptime at ready', 'specialize ran', 'sysinit.target'], rows, { rule: true }));
    lines.push(`the credential clone added ${signed(added)} s wall to ready (${signed(addedUptime)} s guest uptime; specialize ${signed(addedSpecialize)} s)`);
    lines.push(`target: within ${TARGET_SECONDS} s of the sealed path: ${ok ? 'PASS' : 'FAIL'}`);
    results[String(cpus)] = { added, addedUptime, addedSpecialize, pass: ok };
  }
  lines.push(`whole benchmark: ${((Date.now() - started) / 60000).toFixed(1)} min`);
  lines.push(`results: ${writeResults('per-clone', { date: new Date().toISOString(), loadStart, boots, results })}`);
  console.log(lines.join('\n'));
  if (!KEEP) for (const f of [img.image, img.kernel, img.initrd]) fs.rmSync(f, { force: true });
  return pass ? 0 : 1;
}

runBenchmark(main);
