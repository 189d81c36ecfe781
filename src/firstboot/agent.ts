/**
 * The Node.js side of the first boot (SPEC 6): `sysprep agent …`, started by the bash runner
 * (firstboot.bash) only for what needs the tool itself:
 *
 *   plan PHASE            plan a phase at boot, with the full answer-file search (the sealed plan no
 *                         longer matches: an answer file on the kernel command line or a medium, …)
 *   oobe-pages PAGE…      the interactive OOBE: the pages the answer file left open, on every console
 *   audit-dialog          audit mode: the System Preparation Tool dialog, at root's console login
 *   provider ID           a built-in specialize provider (TypeScript) that has work in this image
 *   extend-os-partition SIZE|max   ExtendOSPartition: grow the root partition and its file system
 *   driver-paths BASE PATH…        DriverPaths in auditSystem: add the drivers at each path (SPEC 11)
 *   show-plan PHASE|FILE  a plan file for people, one record a line (passwords hidden); never run
 *
 *   GENERALIZE_RESEAL_TO_X --specialize--> SPECIALIZE_RESEAL_TO_X
 *   SPECIALIZE_RESEAL_TO_OOBE --oobeSystem settings + interactive OOBE--> COMPLETE
 *   SPECIALIZE_RESEAL_TO_AUDIT --auditSystem (every boot; sticky until `sysprep /oobe`)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getPassSettings, parseAnswerFile, type PassSettings } from '../answer-file/index.js';
import { answerDigest, findAnswerFile, type PerCloneSearch } from '../system/answer-search.js';
import { perCloneCandidates } from '../system/per-clone/index.js';
import { PER_CLONE_TAKEN } from '../model/per-clone.js';
import { describeError } from '../model/errors.js';
import { allProviders } from '../providers/index.js';
import { PantherLog } from '../system/panther.js';
import { PATHS } from '../model/paths.js';
import { providerContext, runOptions } from '../providers/api.js';
import { parseIni, readImageState } from '../system/state.js';
import { loadTarget } from '../system/target.js';
import { RootFs } from '../rootfs/rootfs.js';
import { extendOsPartition } from '../system/extend-partition.js';
import { addDrivers, resolveDriverPaths } from '../system/drivers.js';
import { describePlan, describePlanFile, imageFacts, IMAGE_CANDIDATES, makePlan, OOBE_PAGES, planFile, planPhases, writePlan, type OobePage } from './plan/index.js';
import { BOOT_PHASES, stateAfterSpecialize } from '../model/image-state.js';
import type { OpArgs, OpName } from './contract.js';
import { PHASE_PASS, type Mode, type Phase } from '../model/passes.js';
import { ask, processConsole, type Console } from './prompt.js';
import { accountExists, generatedHostname, groupNames } from '../system/host.js';
import { AGENT_DIR, FIRSTBOOT, MARKERS } from '../model/paths.js';

interface Sys {
  fs: RootFs;
  log: PantherLog;
}

function openLog(): Sys {
  const fs = new RootFs('/');
  const log = new PantherLog(fs, PATHS.firstBootPanther);
  log.open();
  return { fs, log };
}

function fail(sys: Sys, what: string, err: unknown): number {
  const msg = describeError(err);
  sys.log.error(`${what}: ${msg}`);
  process.stderr.write(`sysprep: ${what}: ${msg}\n`);
  return 1;
}

// ------------------------------------------------------------------------------------------------
// plan PHASE

const PHASES: readonly Phase[] = ['specialize', 'oobe', 'audit', 'audit-user'];

/**
 * Plan a phase now, with the search the clone sees (kernel command line, the per-clone channels, cache,
 * media, image). A per-clone file a pass takes is recorded (PER_CLONE_TAKEN, its digest): later passes
 * of this clone then use the cache, where its processed passes are marked, instead of taking it anew.
 */
async function planAtBoot(phase: string | undefined): Promise<number> {
  const sys = openLog();
  try {
    if (!PHASES.includes(phase as Phase)) throw new Error(`no phase "${phase}" (${PHASES.join(', ')})`);
    const p = phase as Phase;
    const pass = PHASE_PASS[p];
    const taken = (sys.fs.readText(PER_CLONE_TAKEN) ?? '').trim().split(' ')[1];
    const perClone: PerCloneSearch = { candidates: await perCloneCandidates(sys.log), ...(taken ? { taken } : {}) };
    const answer = findAnswerFile(sys.fs, pass, sys.log, perClone);
    if (answer?.digest) {
      sys.fs.makeDirectory(PATHS.planDir, 0o700);
      sys.fs.writeText(PER_CLONE_TAKEN, `${answer.origin} ${answer.digest}\n`, { mode: 0o600 });
    }
    const target: Mode = p === 'specialize'
      ? (sys.fs.readText(MARKERS.specializeInProgress) ?? '').trim() === 'audit' ? 'audit' : 'oobe'
      : p === 'oobe' ? 'oobe' : 'audit';
    const specialized = p === 'oobe' ? cachedSettings(sys.fs, 'specialize') : undefined;
    const facts = imageFacts(sys.fs);
    const plan = makePlan(p, {
      facts,
      target,
      madeAt: 'boot',
      inputs: [...IMAGE_CANDIDATES.map((c) => ({ path: c.path, present: sys.fs.exists(c.path) })),
        ...(p === 'oobe' ? [{ path: '/etc/sysprep/eula.txt', present: sys.fs.isFile('/etc/sysprep/eula.txt') }] : [])],
      ...(answer ? { answer } : {}),
      ...(specialized ? { specialized } : {}),
    });
    writePlan(sys.fs, plan);
    sys.log.info(`Planned at boot: ${describePlan(plan)}`);
    // A per-clone file taken, and no other offered: the passes after this one follow from it and the
    // cache as this pass leaves it, as they would have at the seal, so they are planned now and their
    // boot needs no agent (the runner plans again only for a different credential).
    const later = p === 'specialize' ? BOOT_PHASES[stateAfterSpecialize(target)].phases : [];
    if (answer?.digest && later.length && perClone.candidates.every((c) => answerDigest(c.bytes) === answer.digest)) {
      const ahead = planPhases(sys.fs, later, target, facts, plan.cacheAfter, 'boot');
      for (const note of ahead.notes) sys.log.info(note);
      for (const next of ahead.planned) sys.log.info(`Planned at boot, ahead: ${describePlan(next)}`);
    }
    return 0;
  } catch (err) {
    return fail(sys, `planning the ${phase} phase`, err);
  } finally {
    sys.log.close();
  }
}

/** Settings of an already-processed pass, from the cache (the OOBE's pages depend on them). */
function cachedSettings(fs: RootFs, pass: 'specialize'): PassSettings | undefined {
  const text = fs.readText(PATHS.cachedUnattend);
  if (!text) return undefined;
  try {
    return getPassSettings(parseAnswerFile(text, PATHS.cachedUnattend), pass);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------------
// the interactive OOBE

/** Steps of the current phase already recorded by the runner (a power loss in the middle of the OOBE). */
function doneSteps(fs: RootFs): Set<string> {
  const lines = (fs.readText(MARKERS.steps) ?? '').split('\n').slice(1);
  return new Set(lines.map((l) => l.split(' ')[0]!).filter(Boolean));
}

/** One step through the runner (an op of contract.ts), recorded like the plan's own; secrets go on its standard input. */
function runStep<O extends OpName>(id: string, op: O, args: OpArgs<O>, input?: string): void {
  const r = spawnSync(FIRSTBOOT, ['do', id, op, ...args], {
    input: input ?? '',
    encoding: 'utf8',
    env: { ...process.env, PHASE: 'oobe' },
    stdio: ['pipe', 'inherit', 'pipe'],
  });
  if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `${op} failed`).trim().replace(/^sysprep: /, ''));
}

/** The pages the plan left open, asked on every console; each answer is carried out as a step. */
async function oobePages(pages: string[]): Promise<number> {
  const sys = openLog();
  let c: Console | undefined;
  try {
    const unknown = pages.filter((p) => !(OOBE_PAGES as readonly string[]).includes(p));
    if (unknown.length) throw new Error(`no OOBE page ${unknown.join(', ')}`);
    const open = pages as OobePage[];
    const done = doneSteps(sys.fs);
    const todo = open.filter((p) => !done.has(`oobe:${p}`));
    if (!todo.length) return 0;
    sys.log.info(`OOBE: asking on the console: ${todo.join(', ')}`);
    c = processConsole();
    await askPages(sys, c, todo);
    return 0;
  } catch (err) {
    return fail(sys, 'the interactive OOBE', err);
  } finally {
    c?.close();
    sys.log.close();
  }
}

async function askPages(sys: Sys, c: Console, pages: OobePage[]): Promise<void> {
  const { fs, log } = sys;
  const os = loadTarget(fs).os;
  const reg = parseIni(fs.readText(PATHS.imageIni) ?? '').Image ?? {};
  const registered = [reg.RegisteredOwner, reg.RegisteredOrganization].filter(Boolean).join(', ');
  c.write(`\n=== Welcome to ${os.prettyName} ===\n` +
    (registered ? `Registered to: ${registered}\n` : '') + (reg.DuplicatorDescription ? `${reg.DuplicatorDescription}\n` : '') +
    `Let's set up this computer. Press Enter to accept a suggestion in [brackets].\n\n`);
  for (const page of pages) {
    switch (page) {
      case 'eula': {
        const eula = fs.readText('/etc/sysprep/eula.txt') ?? '';
        c.write(`--- Licence ---\n${eula.trimEnd()}\n---\n`);
        const v = await ask(c, 'Do you accept the licence terms? (yes/no)', { check: (x) => (/^(y|yes|n|no)$/i.test(x) ? undefined : 'answer yes or no') });
        if (/^n/i.test(v)) {
          log.warn('OOBE: licence declined; shutting down');
          c.write('The licence was declined. The computer will shut down.\n');
          spawnSync('systemctl', ['--no-block', 'poweroff']);
          throw new Error('the licence terms were declined');
        }
        runStep('oobe:eula', 'op_log', ['Info', 'OOBE: licence accepted']);
        break;
      }
      case 'locale': {
        const v = await ask(c, 'Language and region (locale, e.g. en_US.UTF-8, de_DE.UTF-8)', {
          default: 'en_US.UTF-8',
          check: (x) => (/^[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@\w+)?$|^C(\.UTF-8)?$/.test(x) ? undefined : 'write a locale such as en_US.UTF-8'),
        });
        runStep('oobe:locale', 'op_locale', [v, 'OOBE']);
        break;
      }
      case 'keyboard': {
        const v = await ask(c, 'Keyboard layout (XKB name, e.g. us, de, fr, gb)', {
          default: 'us',
          check: (x) => (/^[a-z]{2,10}(\([a-z0-9_-]+\))?$/.test(x) ? undefined : 'write a layout such as us or de'),
        });
        const m = /^([a-z]+)(?:\(([^)]+)\))?$/.exec(v)!;
        runStep('oobe:keyboard', 'op_keyboard', [m[1]!, m[2] ?? '', 'OOBE']);
        break;
      }
      case 'timezone': {
        const v = await ask(c, 'Time zone (e.g. Europe/Berlin, America/New_York, UTC)', {
          default: 'UTC',
          check: (x) => (fs.isFile(`/usr/share/zoneinfo/${x}`) && !x.includes('..') ? undefined : `no time zone "${x}" in /usr/share/zoneinfo`),
        });
        runStep('oobe:timezone', 'op_timezone', [v, 'OOBE']);
        break;
      }
      case 'hostname': {
        const current = (fs.readText('/etc/hostname') ?? '').trim() || generatedHostname(os.id);
        const v = await ask(c, 'Computer name', {
          default: current,
          check: (x) => (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(x) ? undefined : 'letters, digits and "-" only, up to 63'),
        });
        runStep('oobe:hostname', 'op_hostname', [v.toLowerCase(), 'OOBE']);
        break;
      }
      case 'user': {
        c.write('\nCreate the first user account. It may use sudo to administer the computer.\n');
        const name = await ask(c, 'User name', {
          check: (x) => (!/^[a-z_][a-z0-9_-]{0,31}$/.test(x) ? 'lower-case letters, digits, "-" and "_", starting with a letter'
            : accountExists(fs, x) ? `"${x}" exists already` : undefined),
        });
        const full = await ask(c, 'Full name', { default: '' });
        let password = '';
        for (;;) {
          password = await ask(c, 'Password', { secret: true, check: (x) => (x.length < 1 ? 'the password cannot be empty' : undefined) });
          const again = await ask(c, 'Password again', { secret: true });
          if (again === password) break;
          c.write('  The passwords differ; try again.\n');
        }
        const admin = ['sudo', 'wheel'].find((g) => groupNames(fs).includes(g));
        runStep('oobe:user', 'op_first_user', [name, full, admin ?? ''], `${password}\n`);
        c.write(`User ${name} created.\n`);
        break;
      }
    }
  }
  c.write('\nSetup is complete.\n\n');
}

// ------------------------------------------------------------------------------------------------
// audit mode's dialog, built-in providers, ExtendOSPartition

/**
 * Audit mode's dialog: the System Preparation Tool dialog (a CLI screen, src/cli/dialog.ts, given here
 * by the CLI so that this layer does not reach up to it); its choice is run as a new sysprep command.
 */
export type DialogRunner = (options: { target: string }) => Promise<string[] | null | undefined>;
async function auditDialog(runDialog: DialogRunner | undefined): Promise<number> {
  if (readImageState(new RootFs('/')).imageState !== 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT') return 0;
  if (!runDialog) throw new Error('no dialog to show');
  const choice = await runDialog({ target: '/' });
  if (!choice) return 0;
  const r = spawnSync(`${AGENT_DIR}/sysprep`, choice, { stdio: 'inherit' });
  return r.status ?? 1;
}

async function runProvider(id: string | undefined): Promise<number> {
  const sys = openLog();
  try {
    const p = allProviders(sys.fs).find((x) => x.id === id && x.pass === 'specialize' && x.source === 'built-in');
    if (!p) throw new Error(`no built-in specialize provider "${id}"`);
    const target = loadTarget(sys.fs);
    sys.log.info(`RunProvider:Running '${p.id}' (specialize, built-in)`);
    const mode = (sys.fs.readText(MARKERS.specializeInProgress) ?? '').trim() === 'audit' ? 'audit' : 'oobe';
    const ctx = providerContext(p, { fs: sys.fs, target, log: sys.log }, runOptions({ mode }));
    await p.validate?.(ctx);
    await p.run(ctx);
    return 0;
  } catch (err) {
    return fail(sys, `provider ${id}`, err);
  } finally {
    sys.log.close();
  }
}

/**
 * ExtendOSPartition is best effort, as on Windows (not extended when it cannot be): a failure is a
 * warning in setuperr.log, and the clone goes on with the disk it has rather than stay undeployable.
 */
function extend(size: string | undefined): number {
  const sys = openLog();
  try {
    const mb = size === undefined || size === 'max' ? undefined : Number(size);
    if (mb !== undefined && !(Number.isInteger(mb) && mb > 0)) throw new Error(`Size "${size}" is not a number of MB`);
    extendOsPartition(sys, mb);
  } catch (err) {
    sys.log.warn(`ExtendOSPartition: ${describeError(err)}; the partition is not extended`);
    process.stderr.write(`sysprep: ExtendOSPartition: ${describeError(err)}; the partition is not extended\n`);
  } finally {
    sys.log.close();
  }
  return 0;
}

/**
 * DriverPaths in auditSystem (SPEC 11): the drivers at each path (relative ones under BASE, the answer
 * file's directory) added to this system with its own tools, as `sysprep drivers add` does. A failure
 * is logged (setuperr.log) and the boot goes on, as a driver Windows cannot install does not stop audit
 * mode; the runner records the step's status.
 */
function driverPathsAtBoot(base: string | undefined, paths: readonly string[]): number {
  const sys = openLog();
  try {
    if (!base || !paths.length) throw new Error('usage: sysprep agent driver-paths BASE PATH…');
    const resolved = resolveDriverPaths(sys.fs, paths.map((p, i) => ({ key: String(i + 1), path: p })), { answerDir: base, answerInTarget: true, offline: false, label: 'auditSystem' });
    sys.fs.setChangeListener((c) => sys.log.info(`DriverPaths: ${c.action} ${c.path}${c.detail ? ` (${c.detail})` : ''}`));
    for (const r of resolved) sys.log.info(`DriverPaths: ${r.path} → ${r.why}`);
    // installed, then started as Windows' PnP starts a driver it installs in audit mode
    const result = addDrivers(sys.fs, resolved.map((r) => r.classified), { loadAtBoot: false, loadNow: true, log: sys.log });
    for (const a of result.added) sys.log.info(`DriverPaths: added ${a.what}${a.kernels.length ? ` [${a.kernels.join(', ')}]` : ''}`);
    if (result.loaded?.length) sys.log.info(`DriverPaths: loaded ${result.loaded.join(', ')}`);
    for (const n of result.notes) sys.log.warn(`DriverPaths: ${n}`);
    return 0;
  } catch (err) {
    return fail(sys, 'DriverPaths', err);
  } finally {
    sys.fs.setChangeListener(undefined);
    sys.log.close();
  }
}

/** A plan for people: the phase's plan in this system, or a plan file (e.g. inside a mounted image). */
function showPlan(what: string | undefined): number {
  if (!what) {
    process.stderr.write(`usage: sysprep agent show-plan PHASE|FILE (phases: ${PHASES.join(', ')})\n`);
    return 2;
  }
  const file = PHASES.includes(what as Phase) ? planFile(what as Phase) : what;
  try {
    process.stdout.write(describePlanFile(readFileSync(file)));
    return 0;
  } catch (err) {
    process.stderr.write(`sysprep: ${file}: ${describeError(err)}\n`);
    return 1;
  }
}

export async function agentMain(args: readonly string[], runDialog?: DialogRunner): Promise<number> {
  switch (args[0]) {
    case 'plan':
      return planAtBoot(args[1]);
    case 'oobe-pages':
      return oobePages(args.slice(1));
    case 'audit-dialog':
      return auditDialog(runDialog);
    case 'provider':
      return runProvider(args[1]);
    case 'extend-os-partition':
      return extend(args[1]);
    case 'show-plan':
      return showPlan(args[1]);
    case 'driver-paths':
      return driverPathsAtBoot(args[1], args.slice(2));
    default:
      process.stderr.write('usage: sysprep agent plan PHASE | oobe-pages PAGE... | audit-dialog | provider ID | extend-os-partition SIZE|max | driver-paths BASE PATH... | show-plan PHASE|FILE\n' +
        `(run by the first-boot runner, ${FIRSTBOOT})\n`);
      return 2;
  }
}
