/**
 * One sysprep run (SPEC section 3), as a few named steps:
 *
 *  1. verify      root only; /mode:vm in a VM; an explicit answer file read and checked; the target
 *                 looks like an OS root; the providers selected; one instance (a lock in the target);
 *                 the OS version recorded at first install still matches (verify.ts). Exit 2 or 3,
 *                 nothing changed.
 *  2. log         the Panther logs of the run, a banner, the request option by option (report.ts).
 *  3. validate    every selected provider (no side effects; a refusal is exit 4, nothing changed), and
 *                 the first-boot agent's runtime for this image (providers.ts).
 *  4. process     state UNDEPLOYABLE, cleanup providers, generalize providers, in order; the first
 *                 failure halts (exit 1); each completion is recorded, so a rerun of the same request
 *                 after a crash does the rest, and nothing twice (providers.ts).
 *  5. finish      the answer file's generalize settings and cache, the new state, the first-boot agent
 *                 and the next boot's plans, the success tag (finish.ts, answer.ts); the power action
 *                 last, after the log is closed and the lock released.
 */
import type { DevicePhaseHook } from '../model/devices.js';
import { SysprepError } from '../model/errors.js';
import { PATHS } from '../model/paths.js';
import type { RunRequest } from '../model/request.js';
import { VERSION } from '../model/version.js';
import { agentRuntimeProblem, agentSource } from '../firstboot/install.js';
import { defineProvider, keyOf, providerContext, runOptions, type Provider, type ProviderContext } from '../providers/api.js';
import { allProviders } from '../providers/index.js';
import { planProviders } from '../providers/selection.js';
import { findAnswerFile, loadExplicitAnswerFile, type FoundAnswerFile } from '../system/answer-search.js';
import { TargetLock } from '../system/lock.js';
import { PantherLog } from '../system/panther.js';
import { readImageState, readInstallRecord, writeInstallRecord } from '../system/state.js';
import type { Target } from '../system/target.js';
import { answerSearchPass, generalizeSettings, logAnswerFile, passesWithSettings } from './answer.js';
import { finishFailed, finishSucceeded, powerOff } from './finish.js';
import { processProviders, providerResults, startProgress, validateProviders, type Running } from './providers.js';
import { logRunStart, startReport, type RunObserver, type RunReport } from './report.js';
import { openTarget, verifyCaller, verifyTargetAndLock } from './verify.js';
import { recordBeforeSeal, redactIdentity, verifyAfterSeal } from './proof.js';
import { applyOfflineServicing, prepareOfflineServicing, servicingOnly, type OfflineServicing } from './servicing.js';

export type { ProviderResult, ProviderStatus, RunObserver, RunReport } from './report.js';
export { openTarget, requireRoot } from './verify.js';

/** What the command line adds to a run: with --image, the device phase (src/image/devices.ts). */
export interface RunHooks {
  devicePhase?: DevicePhaseHook;
}

export async function runSysprep(req: RunRequest, observer: RunObserver = {}, hooks: RunHooks = {}): Promise<RunReport> {
  // ---- 1. verify (usage errors found on the way change nothing either)
  verifyCaller(req);
  // an explicit answer file is read and checked before anything else is looked at (exit 2)
  const explicit = req.unattend !== undefined ? loadExplicitAnswerFile(req.unattend) : undefined;
  const target = openTarget(req.root, req.dryRun);
  // the providers: built-in and registered (a malformed descriptor is bad input, exit 2)
  const plan = planProviders(req, allProviders(target.fs));
  // the first-boot agent installed at the end must exist before anything changes (exit 3)
  agentSource();
  const log = new PantherLog(target.fs, PATHS.sysprepPanther);
  const answer = explicit ?? findAnswerFile(target.fs, answerSearchPass(req), log);
  const lock = new TargetLock(target.fs);
  // offline servicing (SPEC 11): DriverPaths found and checked before anything changes (exit 2)
  const servicing = prepareOfflineServicing(target, answer);
  if (servicingOnly(req, answer)) return serviceOffline(req, target, log, lock, observer, answer!, servicing);
  const staleNote = verifyTargetAndLock(req, target, lock);
  let report: RunReport;
  try {
    report = await seal(req, plan, target, log, observer, staleNote, answer, servicing, hooks);
  } finally {
    log.close();
    lock.release();
  }
  // last, after the log is closed and the lock released: systemd stops everything from here on
  if (report.succeeded && req.power !== 'quit' && !req.dryRun) powerOff(req.power);
  return report;
}

/** Steps 2 to 5, with the target verified and locked. */
async function seal(
  req: RunRequest,
  plan: Provider[],
  target: Target,
  log: PantherLog,
  observer: RunObserver,
  staleNote: string | undefined,
  answer: FoundAnswerFile | undefined,
  servicing: OfflineServicing | undefined,
  hooks: RunHooks = {},
): Promise<RunReport> {
  const { fs } = target;
  const stateBefore = readImageState(fs).imageState;
  const report = startReport(req, plan, target, log, stateBefore, observer);
  if (answer) report.answerFile = { source: answer.source, origin: answer.origin, passes: passesWithSettings(answer), cachedAt: null };
  const running: Running = { current: undefined };
  fs.setChangeListener((c) => {
    const by = running.current;
    report.changed.push({ ...c, by: by?.id ?? 'sysprep' });
    log.info(`${by ? by.id + ': ' : ''}${c.action} ${c.path}${c.detail ? ` (${c.detail})` : ''}`);
    observer.change?.(by, c);
  });

  // ---- 2. log (never the golden machine's id)
  redactIdentity(target, log);
  logRunStart(req, plan, target, log, stateBefore, staleNote);
  if (req.vm) log.info(`/mode:vm: the image stays tuned to its hypervisor (host-only initramfs, device state kept); identity is still removed${req.root === '/' ? '' : '; an offline root: not checked with systemd-detect-virt, the builder says it is a VM image'}`);
  const options = runOptions({
    mode: req.mode,
    generalize: req.generalize,
    vm: req.vm,
    dryRun: req.dryRun,
    keepUserAccounts: req.keepUserAccounts,
    removeUserAccounts: req.removeUserAccounts,
  });
  logAnswerFile(log, answer, generalizeSettings(req, answer), options);
  const results = providerResults(plan, target, report);
  const contextFor = (p: Provider): ProviderContext =>
    providerContext(p, { fs, target, log }, options, (message) => results.get(keyOf(p))?.notes.push(message));

  // ---- 3. validate
  await validateProviders(plan, results, contextFor, log);
  const runtime = agentRuntimeProblem(fs);
  if (runtime) {
    log.error(`WinMain:Hit failure while pre-validating the first-boot agent: ${runtime}`, 0x0f00d8);
    throw new SysprepError('validation', `Sysprep was not able to validate this installation: ${runtime}. Nothing was changed.`);
  }

  // ---- 4. process
  if (!readInstallRecord(fs)) {
    writeInstallRecord(fs, { osId: target.os.id, versionId: target.os.versionId, installedAt: new Date().toISOString(), sysprepVersion: VERSION });
    log.info(`Recorded the image's OS version for later runs: ${target.os.id} ${target.os.versionId}`);
  }
  if (fs.remove(PATHS.successTag)) log.info(`FCreateTagFile:Deleted the tag file ${PATHS.successTag} of the previous run`);
  else log.info(`FCreateTagFile:Tag file ${PATHS.successTag} does not already exist, no need to delete anything`, 0x0f007e);
  const progress = startProgress(req, plan, target, stateBefore, log, report);
  recordBeforeSeal(req, target, log, report);
  if (servicing) applyOfflineServicing(target, log, servicing);
  let failed = await processProviders(plan, results, progress, { target, log, observer, running, contextFor });
  // the device phase (--image): new device ids and every reference to them, after the providers
  if (!failed && hooks.devicePhase) failed = devicePhase(hooks.devicePhase, req, target, log, report, running);

  // ---- 5. finish, and prove the seal (SPEC 9)
  if (failed) finishFailed(target, log, progress, failed, report);
  else {
    finishSucceeded(req, plan, results, { target, log, progress, answer, report });
    running.current = undefined;
    if (!(await verifyAfterSeal(req, target, log, report, plan.some((p) => p.id === 'user-account')))) report.exitCode = 1;
  }
  return report;
}

/**
 * `sysprep --image FILE /unattend:FILE` (or --root) with only offlineServicing settings: the offline
 * servicing alone, as DISM /Apply-Unattend does (SPEC 11). No providers, no state change, no first-boot
 * agent: the drivers are added and logged, and the report lists every changed path.
 */
async function serviceOffline(
  req: RunRequest,
  target: Target,
  log: PantherLog,
  lock: TargetLock,
  observer: RunObserver,
  answer: FoundAnswerFile,
  servicing: OfflineServicing | undefined,
): Promise<RunReport> {
  const staleNote = verifyTargetAndLock(req, target, lock);
  try {
    const { fs } = target;
    const stateBefore = readImageState(fs).imageState;
    const report = startReport(req, [], target, log, stateBefore, observer);
    report.answerFile = { source: answer.source, origin: answer.origin, passes: ['offlineServicing'], cachedAt: null };
    fs.setChangeListener((c) => {
      report.changed.push({ ...c, by: 'offlineServicing' });
      log.info(`offlineServicing: ${c.action} ${c.path}${c.detail ? ` (${c.detail})` : ''}`);
      observer.change?.(undefined, c);
    });
    logRunStart(req, [], target, log, stateBefore, staleNote);
    log.info(`Offline servicing: ${answer.source} has offlineServicing settings only: they are applied, the image state (${stateBefore}) stays`);
    if (servicing) applyOfflineServicing(target, log, servicing);
    else log.info('Offline servicing: no DriverPaths to apply (the other offlineServicing settings are not run on Linux)');
    fs.setChangeListener(undefined);
    report.succeeded = true;
    return report;
  } finally {
    log.close();
    lock.release();
  }
}

/** The --image device phase inside the run: its changes attributed to its operations, its failure fatal. */
function devicePhase(hook: DevicePhaseHook, req: RunRequest, target: Target, log: PantherLog, report: RunReport, running: Running): { provider: Provider; message: string } | undefined {
  const as = (id: string) => defineProvider({ id, summary: 'device phase', pass: 'generalize', defaultEnabled: false, run() {} });
  try {
    report.devices = hook({
      fs: target.fs,
      log,
      dryRun: req.dryRun,
      attribute: (op) => {
        running.current = op ? as(op) : undefined;
      },
      note: (op, message) => log.info(`${op}: ${message}`),
    });
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { provider: running.current ?? as('device-phase'), message };
  } finally {
    running.current = undefined;
  }
}
