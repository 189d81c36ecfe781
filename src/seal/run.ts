/**
 * One sysprep run (SPEC section 3): verification, logging, parsing, validate-then-process, verify.
 *
 *  1. Verification — root only; the target looks like an OS root; one instance (a lock in the target);
 *     the OS version recorded at first install still matches. Failures: exit 3, nothing changed.
 *  2. Logging — the Panther logs of the sysprep run, a banner per run.
 *  3. Parse — the request (already parsed by the CLI or the dialog) is logged option by option.
 *  4. Validate every selected provider (no side effects; a refusal is exit 4, nothing changed), then
 *     process: state UNDEPLOYABLE, cleanup providers, generalize providers, in order; the first
 *     failure halts (exit 1) and leaves the state UNDEPLOYABLE. Each provider's completion is recorded,
 *     so a rerun of the same request after a crash does the rest, and nothing twice.
 *  5. Verify every provider finished, write the new state and the success tag, power action.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { allProviders } from '../providers/index.js';
import { Change, RootFs } from '../rootfs/rootfs.js';
import { describeError, environmentError, SysprepError, usageError } from '../model/errors.js';
import { formatTimestamp, LogLine, PantherLog } from '../system/panther.js';
import { PATHS } from '../model/paths.js';
import { appliesTo, keyOf, providerContext, type Provider, type ProviderContext, type RunOptions } from '../providers/api.js';
import { planProviders } from '../providers/selection.js';
import {

  ProgressRecord,
  readImageState,
  readInstallRecord,
  readProgress,
  RunRequestKey,
  sameRequest,
  writeImageState,
  writeInstallRecord,
  writeProgress,
  formatIni,
} from '../system/state.js';
import { TargetLock } from '../system/lock.js';
import { loadTarget, notAnOsRoot, Target } from '../system/target.js';
import { VERSION } from '../model/version.js';
import { FoundAnswerFile, findAnswerFile, loadExplicitAnswerFile } from '../system/answer-search.js';
import { chassisForDeviceForm, getPassSettings, hasSettingsForPass, markPassProcessed, scrubSensitive, serialize } from '../answer-file/index.js';
import type { AnswerPass, ProviderPass } from '../model/passes.js';
import type { ImageMount, PowerAction, RunRequest } from '../model/request.js';
import { stateAfterSeal, type ImageState } from '../model/image-state.js';
import { extendOsPartition } from '../system/extend-partition.js';
import { agentRuntimeProblem, agentSource, installAgent } from '../firstboot/install.js';

export type ProviderStatus = 'done' | 'already-done' | 'not-applicable' | 'failed' | 'not-run';

export interface ProviderResult {
  id: string;
  pass: ProviderPass;
  source: string;
  status: ProviderStatus;
  notes: string[];
  changes: Change[];
  error?: string;
  milliseconds: number;
}

export interface RunReport {
  sysprep: string;
  /** the root directory, or the image file with --image */
  target: string;
  image: boolean;
  /** with --image: the file systems mounted from it */
  imageMounts?: ImageMount[];
  os: string;
  dryRun: boolean;
  request: { mode: string; generalize: boolean; vm: boolean; power: PowerAction; providers: string[] };
  stateBefore: ImageState;
  stateAfter: ImageState;
  succeeded: boolean;
  exitCode: number;
  resumed: boolean;
  /** the answer file used, if any (never its secrets) */
  answerFile: { source: string; origin: string; passes: string[]; cachedAt: string | null } | null;
  providers: ProviderResult[];
  /** every path changed (or, in a dry run, that would be), by providers and by sysprep itself */
  changed: (Change & { by: string })[];
  warnings: string[];
  errors: string[];
  log: LogLine[];
}

export interface RunObserver {
  providerStarted?(p: Provider, index: number, total: number): void;
  change?(p: Provider | undefined, c: Change): void;
  providerFinished?(r: ProviderResult, index: number, total: number): void;
  problem?(line: LogLine): void;
}

/** Open the target: exists, is a directory, looks like an OS root. */
export function openTarget(root: string, dryRun: boolean): Target {
  let st: nodefs.Stats;
  try {
    st = nodefs.statSync(root);
  } catch {
    throw environmentError(`target ${root} does not exist`);
  }
  if (!st.isDirectory()) throw environmentError(`target ${root} is not a directory`);
  const fs = new RootFs(root, { dryRun });
  const why = notAnOsRoot(fs);
  if (why) throw environmentError(`target ${root} is not an OS root: ${why}`);
  return loadTarget(fs);
}

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw environmentError('sysprep must be run as root (uid 0); try again with sudo');
  }
}

function isVirtualMachine(): boolean {
  const r = spawnSync('systemd-detect-virt', ['--vm'], { encoding: 'utf8' });
  if (r.error) {
    // without systemd-detect-virt, fall back to the CPU's hypervisor flag
    try {
      return /^flags\s*:.*\bhypervisor\b/m.test(nodefs.readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      return false;
    }
  }
  return r.status === 0;
}

export async function runSysprep(req: RunRequest, observer: RunObserver = {}): Promise<RunReport> {
  // ---- 1. verification (usage errors found on the way change nothing either)
  requireRoot();
  if (req.vm && !isVirtualMachine()) {
    throw environmentError('/mode:vm: systemd-detect-virt --vm says this is not a virtual machine');
  }
  // an explicit answer file is read and checked before anything else is looked at (exit 2)
  const explicit = req.unattend !== undefined ? loadExplicitAnswerFile(req.unattend) : undefined;
  const target = openTarget(req.root, req.dryRun);
  const { fs } = target;
  // ---- 3. the providers: built-in and registered (a malformed descriptor is bad input, exit 2)
  const plan = planProviders(req, allProviders(fs));
  // the first-boot agent installed at the end must exist before anything changes (exit 3)
  agentSource();
  const log = new PantherLog(fs, PATHS.sysprepPanther);
  const answer = explicit ?? findAnswerFile(fs, answerSearchPass(req), log);
  const lock = new TargetLock(fs);
  const live = lock.holder();
  if (live) lock.acquire(); // throws the "another sysprep is running" error
  const installed = readInstallRecord(fs);
  if (installed && (installed.osId !== target.os.id || installed.versionId !== target.os.versionId)) {
    throw environmentError(
      `sysprep was installed into this image for ${installed.osId} ${installed.versionId || '(no version)'}, ` +
        `but it is now ${target.os.id} ${target.os.versionId || '(no version)'} (upgraded?). ` +
        `Check the image, then re-arm with: sysprep rearm${req.root === '/' ? '' : ` --root ${req.root}`}`,
    );
  }
  const staleNote = lock.acquire();
  let report: RunReport;
  try {
    report = await process_(req, plan, target, log, observer, staleNote, answer);
  } finally {
    log.close();
    lock.release();
  }
  // last, after the log is closed and the lock released: systemd stops everything from here on
  if (report.succeeded && req.power !== 'quit' && !req.dryRun) powerOff(req.power);
  return report;
}

async function process_(
  req: RunRequest,
  plan: Provider[],
  target: Target,
  log: PantherLog,
  observer: RunObserver,
  staleNote: string | undefined,
  answer: FoundAnswerFile | undefined,
): Promise<RunReport> {
  const { fs } = target;
  const stateBefore = readImageState(fs).imageState;
  const report: RunReport = {
    sysprep: VERSION,
    target: req.imageFile ?? req.root,
    image: req.imageFile !== undefined,
    ...(req.imageMounts ? { imageMounts: req.imageMounts } : {}),
    os: `${target.os.prettyName}`,
    dryRun: req.dryRun,
    request: { mode: req.mode, generalize: req.generalize, vm: req.vm, power: req.power, providers: plan.map((p) => p.id) },
    stateBefore,
    stateAfter: stateBefore,
    succeeded: false,
    exitCode: 0,
    resumed: false,
    answerFile: answer ? {
      source: answer.source,
      origin: answer.origin,
      passes: passesWithSettings(answer),
      cachedAt: null,
    } : null,
    providers: [],
    changed: [],
    warnings: [],
    errors: [],
    log: log.lines,
  };
  log.onProblem = (line) => {
    (line.level === 'Error' ? report.errors : report.warnings).push(line.message);
    observer.problem?.(line);
  };
  let current: Provider | undefined;
  fs.setChangeListener((c) => {
    report.changed.push({ ...c, by: current?.id ?? 'sysprep' });
    log.info(`${current ? current.id + ': ' : ''}${c.action} ${c.path}${c.detail ? ` (${c.detail})` : ''}`);
    observer.change?.(current, c);
  });

  // ---- 2. logging
  log.open();
  log.banner();
  log.info(`The time is now ${formatTimestamp(new Date())}`, 0x0f004d);
  log.info(`Initialized SysPrep log at ${PATHS.sysprepPanther}${req.dryRun ? ' (dry run: kept in memory, nothing written)' : ''}`, 0x0f004e);
  log.info(`sysprep ${VERSION}; target ${req.imageFile ? `image ${req.imageFile}, root mounted at ` : ''}${req.root} (${target.os.prettyName}, layout ${target.family ?? 'unknown'})`);
  if (req.imageMounts) log.info(`image file systems: ${req.imageMounts.map((m) => `${m.mountpoint} from ${m.source} (${m.fstype})`).join(', ')}`);
  log.info('ValidatePrivileges:User has required privileges to sysprep machine', 0x0f0054);
  if (staleNote) log.warn(`Lock: ${staleNote}`);

  // ---- 3. parse
  for (const opt of req.optionsSeen) log.info(`ParseCommands:Found supported command line option '${opt}'`, 0x0f005f);
  log.info(`Image state is ${stateBefore}; providers selected: ${plan.map((p) => p.id).join(', ') || '(none)'}`);

  const options: RunOptions = {
    mode: req.mode,
    generalize: req.generalize,
    vm: req.vm,
    dryRun: req.dryRun,
    keepUserAccounts: req.keepUserAccounts,
    removeUserAccounts: req.removeUserAccounts,
    persistAllDeviceInstalls: false,
    doNotCleanUpNonPresentDevices: false,
  };
  const generalizeSettings = answer && req.generalize ? getPassSettings(answer.doc, 'generalize') : undefined;
  if (answer) {
    log.info(`Answer file: ${answer.source} [${answer.origin}]; passes with settings: ${report.answerFile!.passes.join(', ') || '(none)'}` +
      (answer.warnings ? `; ${answer.warnings} warnings (see: sysprep unattend check)` : ''));
  }
  if (generalizeSettings) {
    options.persistAllDeviceInstalls = generalizeSettings.pnpSysprep.persistAllDeviceInstalls ?? false;
    options.doNotCleanUpNonPresentDevices = generalizeSettings.pnpSysprep.doNotCleanUpNonPresentDevices ?? false;
    if (options.persistAllDeviceInstalls) log.info('Answer file: PersistAllDeviceInstalls: device-bound state (udev rules, MAC pins, saved device state) is kept');
    if (options.doNotCleanUpNonPresentDevices) log.info('Answer file: DoNotCleanUpNonPresentDevices: udev rules of absent devices are kept');
  }
  const results = new Map<string, ProviderResult>();
  const contextFor = (p: Provider): ProviderContext =>
    providerContext(p, { fs, target, log }, options, (message) => results.get(keyOf(p))?.notes.push(message));
  const applicable: Provider[] = [];
  for (const p of plan) {
    const r: ProviderResult = { id: keyOf(p), pass: p.pass, source: p.source ?? 'built-in', status: 'not-run', notes: [], changes: [], milliseconds: 0 };
    results.set(keyOf(p), r);
    report.providers.push(r);
    if (appliesTo(p, target)) applicable.push(p);
    else {
      r.status = 'not-applicable';
      r.notes.push(`not for this layout (${target.family ?? 'unknown'}; needs ${p.families!.join(', ')})`);
    }
  }

  // ---- 4a. validate (no side effects)
  for (const pass of ['cleanup', 'generalize'] as const) {
    const inPass = applicable.filter((p) => p.pass === pass);
    if (!inPass.length) continue;
    log.info(`WinMain:Pre-validating '${pass}' providers.`, 0x0f00d7);
    for (const p of inPass) {
      if (!p.validate) continue;
      try {
        await p.validate(contextFor(p));
      } catch (err) {
        const msg = describeError(err);
        log.error(`WinMain:Hit failure while pre-validate sysprep ${pass} providers; provider ${p.id}: ${msg}`, 0x0f00d8);
        results.get(keyOf(p))!.status = 'failed';
        results.get(keyOf(p))!.error = msg;
        throw new SysprepError(
          'validation',
          `Sysprep was not able to validate this installation: ${p.id}: ${msg}. Nothing was changed. ` +
            `Review ${PATHS.sysprepPanther}/setupact.log for details, resolve the issue, then run sysprep again.`,
        );
      }
    }
  }

  const runtime = agentRuntimeProblem(fs);
  if (runtime) {
    log.error(`WinMain:Hit failure while pre-validating the first-boot agent: ${runtime}`, 0x0f00d8);
    throw new SysprepError('validation', `Sysprep was not able to validate this installation: ${runtime}. Nothing was changed.`);
  }

  // ---- 4b. process
  if (!readInstallRecord(fs)) {
    writeInstallRecord(fs, { osId: target.os.id, versionId: target.os.versionId, installedAt: new Date().toISOString(), sysprepVersion: VERSION });
    log.info(`Recorded the image's OS version for later runs: ${target.os.id} ${target.os.versionId}`);
  }
  if (fs.remove(PATHS.successTag)) log.info(`FCreateTagFile:Deleted the tag file ${PATHS.successTag} of the previous run`);
  else log.info(`FCreateTagFile:Tag file ${PATHS.successTag} does not already exist, no need to delete anything`, 0x0f007e);

  const key: RunRequestKey = { generalize: req.generalize, mode: req.mode, providers: plan.map(keyOf) };
  const previous = readProgress(fs);
  let progress: ProgressRecord;
  if (stateBefore === 'IMAGE_STATE_UNDEPLOYABLE' && previous && !previous.finished && sameRequest(previous.request, key)) {
    progress = previous;
    report.resumed = true;
    log.info(`Resuming the interrupted run ${previous.runId} of ${previous.startedAt}: ` +
      `${Object.keys(previous.completed).length} of ${plan.length} providers had completed`);
  } else {
    progress = { runId: randomUUID(), startedAt: new Date().toISOString(), request: key, completed: {}, finished: false, succeeded: false };
  }
  writeImageState(fs, 'IMAGE_STATE_UNDEPLOYABLE');
  writeProgress(fs, progress);

  let failed: { provider: Provider; message: string } | undefined;
  const total = plan.length;
  let index = 0;
  for (const p of plan) {
    index++;
    const r = results.get(keyOf(p))!;
    if (r.status === 'not-applicable') {
      log.info(`${p.id}: skipped, ${r.notes[0]}`);
      observer.providerFinished?.(r, index, total);
      continue;
    }
    if (progress.completed[keyOf(p)]) {
      r.status = 'already-done';
      r.notes.push(`completed by the interrupted run at ${progress.completed[keyOf(p)]}`);
      log.info(`${p.id}: already completed by the interrupted run; not run again`);
      observer.providerFinished?.(r, index, total);
      continue;
    }
    observer.providerStarted?.(p, index, total);
    log.info(`RunProvider:Running '${p.id}' (${p.pass}, ${p.source})`);
    const started = performance.now();
    current = p;
    const before = fs.changes.length;
    try {
      await p.run(contextFor(p));
      r.status = 'done';
    } catch (err) {
      r.status = 'failed';
      r.error = describeError(err);
    } finally {
      current = undefined;
      r.changes = fs.changes.slice(before);
      r.milliseconds = Math.round(performance.now() - started);
    }
    if (r.status === 'failed') {
      log.error(`RunProvider:An error occurred while running '${p.id}', halting sysprep execution: ${r.error}`, 0x0f0070);
      log.error(`WinMain:Hit failure while processing sysprep ${p.pass} providers; provider ${p.id}`, 0x0f00a8);
      failed = { provider: p, message: r.error! };
      observer.providerFinished?.(r, index, total);
      break;
    }
    progress.completed[keyOf(p)] = new Date().toISOString();
    writeProgress(fs, progress);
    observer.providerFinished?.(r, index, total);
  }

  // ---- 5. verify, state, tag
  if (failed) {
    progress.failedProvider = failed.provider.id;
    progress.failure = failed.message;
    writeProgress(fs, progress);
    report.stateAfter = 'IMAGE_STATE_UNDEPLOYABLE';
    report.exitCode = 1;
    log.error(`A fatal error occurred while trying to sysprep the machine: ${failed.provider.id}: ${failed.message}. ` +
      `The image state stays IMAGE_STATE_UNDEPLOYABLE; fix the cause and run the same command again to finish.`);
    log.info('Shutting down SysPrep log', 0x0f0052);
    return report;
  }
  const unfinished = plan.filter((p) => !['done', 'already-done', 'not-applicable'].includes(results.get(keyOf(p))!.status));
  if (unfinished.length) throw new Error(`providers did not finish: ${unfinished.map((p) => p.id).join(', ')}`);
  if (answer) {
    applyAnswerFile(fs, log, answer, req, generalizeSettings);
    report.answerFile!.cachedAt = PATHS.cachedUnattend;
    report.answerFile!.passes = passesWithSettings(answer);
  }
  const next = stateAfterSeal(req);
  writeImageState(fs, next);
  progress.finished = true;
  progress.succeeded = true;
  progress.finishedAt = new Date().toISOString();
  writeProgress(fs, progress);
  // the first-boot agent: it runs specialize and then OOBE or audit mode at the next boot
  installAgent(target, log, next);
  fs.writeText(PATHS.successTag, '', { mode: 0o644 });
  log.info(`FCreateTagFile:Successfully created tag file ${PATHS.successTag}`);
  log.info(`Image state is now ${next}${req.dryRun ? ' (dry run: not written)' : ''}`);
  report.stateAfter = next;
  report.succeeded = true;
  logPowerAction(req, log);
  log.info('Shutting down SysPrep log', 0x0f0052);
  log.info(`The time is now ${formatTimestamp(new Date())}`, 0x0f004d);
  return report;
}

function logPowerAction(req: RunRequest, log: PantherLog): void {
  if (req.power === 'quit') log.info('ProcessShutdown:Quit requested; no power action');
  else if (req.dryRun) log.info(`ProcessShutdown:Dry run; would ${req.power}`);
  else log.info(`ProcessShutdown:Calling systemctl ${req.power === 'reboot' ? 'reboot' : 'poweroff'} to ${req.power} the computer`);
}

/** Only the running system is ever powered off: the CLI refuses /reboot and /shutdown with --root. */
function powerOff(power: 'reboot' | 'shutdown'): void {
  const verb = power === 'reboot' ? 'reboot' : 'poweroff';
  const r = spawnSync('systemctl', ['--no-block', verb], { encoding: 'utf8' });
  if (r.status !== 0) throw new SysprepError('fatal', `systemctl ${verb} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}

/** The passes that still have unprocessed settings in the answer file. */
function passesWithSettings(answer: FoundAnswerFile): string[] {
  return (['generalize', 'specialize', 'auditSystem', 'auditUser', 'oobeSystem'] as AnswerPass[]).filter((p) => hasSettingsForPass(answer.doc, p));
}

/** The pass whose settings decide which answer file the implicit search takes. */
export function answerSearchPass(req: Pick<RunRequest, 'generalize' | 'mode'>): AnswerPass {
  if (req.generalize) return 'generalize';
  return req.mode === 'audit' ? 'auditSystem' : 'oobeSystem';
}

/**
 * Deployment settings of the generalize pass that act on the image itself: DeviceForm (the chassis in
 * /etc/machine-info, as hostnamectl set-chassis writes it) and ExtendOSPartition, which grows the
 * partition of the system being generalized: the running one only (an offline root's disk is not
 * this machine's; the specialize pass extends each clone's own).
 */
function applyGeneralizeDeployment(fs: RootFs, log: PantherLog, gen: ReturnType<typeof getPassSettings>): void {
  const form = gen.deployment.deviceForm;
  if (form !== undefined) {
    const chassis = chassisForDeviceForm(form);
    if (!chassis) log.info(`Answer file: DeviceForm ${form} has no systemd chassis type; not set`);
    else {
      const kept = (fs.readText('/etc/machine-info') ?? '').split('\n').filter((l) => l && !/^CHASSIS=/.test(l));
      fs.writeText('/etc/machine-info', [...kept, `CHASSIS=${chassis}`].join('\n') + '\n', { detail: `CHASSIS=${chassis}` });
      log.info(`Answer file: DeviceForm ${form}: chassis ${chassis} (/etc/machine-info)`);
    }
  }
  const extend = gen.deployment.extendOSPartition;
  if (extend?.extend) {
    if (fs.root !== '/') log.info('Answer file: ExtendOSPartition in the generalize pass extends the running system; this target is offline, so it is not applied (in specialize it extends each clone)');
    else if (fs.dryRun) log.info('Answer file: ExtendOSPartition: a dry run; the root partition would be extended');
    else {
      try {
        extendOsPartition({ log }, extend.sizeMB || undefined);
      } catch (err) {
        log.warn(`Answer file: ExtendOSPartition: ${describeError(err)}; the partition is not extended`);
      }
    }
  }
}

/**
 * The answer file's generalize settings and its cache (SPEC 5): what Linux keeps of the image's
 * registration (DuplicatorDescription, RegisteredOwner, RegisteredOrganization) goes to
 * /var/lib/sysprep/state/Image.ini, where `sysprep state --json` and the OOBE show it; the generalize
 * pass is marked processed and the secrets it used are scrubbed; the file is cached at
 * /var/lib/sysprep/unattend.xml, mode 0600, for the passes of the first boot.
 */
function applyAnswerFile(fs: RootFs, log: PantherLog, answer: FoundAnswerFile, req: RunRequest, gen: ReturnType<typeof getPassSettings> | undefined): void {
  const later = (['specialize', 'oobeSystem', 'auditSystem'] as AnswerPass[]).map((p) => getPassSettings(answer.doc, p));
  const registration: Record<string, string> = {};
  const description = gen?.deployment.duplicatorDescription;
  if (description !== undefined) registration.DuplicatorDescription = description;
  for (const s of [gen, ...later]) {
    if (!s) continue;
    if (s.shellSetup.registeredOwner !== undefined) registration.RegisteredOwner ??= s.shellSetup.registeredOwner;
    if (s.shellSetup.registeredOrganization !== undefined) registration.RegisteredOrganization ??= s.shellSetup.registeredOrganization;
  }
  if (Object.keys(registration).length) {
    fs.makeDirectory(PATHS.stateDir, 0o755);
    fs.writeText(PATHS.imageIni, formatIni({ Image: registration }), { mode: 0o644 });
    log.info(`Answer file: recorded ${Object.keys(registration).join(', ')} in ${PATHS.imageIni}`);
  }
  if (req.generalize && hasSettingsForPass(answer.doc, 'generalize')) {
    markPassProcessed(answer.doc, 'generalize');
    const scrubbed = scrubSensitive(answer.doc, 'generalize');
    log.info(`Answer file: generalize pass marked processed${scrubbed ? `; ${scrubbed} sensitive values deleted` : ''}`);
  }
  if (gen) applyGeneralizeDeployment(fs, log, gen);
  fs.makeDirectory(path.posix.dirname(PATHS.cachedUnattend), 0o755);
  fs.writeText(PATHS.cachedUnattend, serialize(answer.doc), { mode: 0o600 });
  if (!fs.dryRun) nodefs.chownSync(fs.resolve(PATHS.cachedUnattend), 0, 0);
  log.info(`Answer file: cached at ${PATHS.cachedUnattend} (mode 0600) for the first-boot passes`);
}
