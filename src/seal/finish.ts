/**
 * Step 5 of a run (SPEC 3): verify that every provider finished, then the new image state, the answer
 * file's cache, the first-boot agent and the next boot's plans, the success tag; or, after a failure,
 * the record of what failed (the state stays UNDEPLOYABLE). The power action comes last, after the log
 * is closed and the lock released.
 */
import { spawnSync } from 'node:child_process';
import { SysprepError } from '../model/errors.js';
import { stateAfterSeal } from '../model/image-state.js';
import { PATHS } from '../model/paths.js';
import type { RunRequest } from '../model/request.js';
import { installAgent } from '../firstboot/install.js';
import { keyOf, type Provider } from '../providers/api.js';
import type { FoundAnswerFile } from '../system/answer-search.js';
import { formatTimestamp, type PantherLog } from '../system/panther.js';
import { writeImageState, writeProgress, type ProgressRecord } from '../system/state.js';
import type { Target } from '../system/target.js';
import { applyAnswerFile, generalizeSettings, passesWithSettings } from './answer.js';
import type { ProviderResult, RunReport } from './report.js';

/** The run halted on a provider: recorded, exit 1, the state stays UNDEPLOYABLE; the same command finishes it. */
export function finishFailed(target: Target, log: PantherLog, progress: ProgressRecord, failed: { provider: Provider; message: string }, report: RunReport): void {
  progress.failedProvider = failed.provider.id;
  progress.failure = failed.message;
  writeProgress(target.fs, progress);
  report.stateAfter = 'IMAGE_STATE_UNDEPLOYABLE';
  report.exitCode = 1;
  log.error(`A fatal error occurred while trying to sysprep the machine: ${failed.provider.id}: ${failed.message}. ` +
    `The image state stays IMAGE_STATE_UNDEPLOYABLE; fix the cause and run the same command again to finish.`);
  log.info('Shutting down SysPrep log', 0x0f0052);
}

/** Every provider finished: the answer file's cache, the new state, the agent and its plans, the tag. */
export function finishSucceeded(
  req: RunRequest,
  plan: readonly Provider[],
  results: Map<string, ProviderResult>,
  env: { target: Target; log: PantherLog; progress: ProgressRecord; answer: FoundAnswerFile | undefined; report: RunReport },
): void {
  const { target, log, progress, answer, report } = env;
  const { fs } = target;
  const unfinished = plan.filter((p) => !['done', 'already-done', 'not-applicable'].includes(results.get(keyOf(p))!.status));
  if (unfinished.length) throw new Error(`providers did not finish: ${unfinished.map((p) => p.id).join(', ')}`);
  if (answer) {
    applyAnswerFile(fs, log, answer, req, generalizeSettings(req, answer));
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
  installAgent(target, log, next, req.agent, req.optionsSeen.includes('AGENT'));
  fs.writeText(PATHS.successTag, '', { mode: 0o644 });
  log.info(`FCreateTagFile:Successfully created tag file ${PATHS.successTag}`);
  log.info(`Image state is now ${next}${req.dryRun ? ' (dry run: not written)' : ''}`);
  report.stateAfter = next;
  report.succeeded = true;
  logPowerAction(req, log);
  log.info('Shutting down SysPrep log', 0x0f0052);
  log.info(`The time is now ${formatTimestamp(new Date())}`, 0x0f004d);
}

function logPowerAction(req: RunRequest, log: PantherLog): void {
  if (req.power === 'quit') log.info('ProcessShutdown:Quit requested; no power action');
  else if (req.dryRun) log.info(`ProcessShutdown:Dry run; would ${req.power}`);
  else log.info(`ProcessShutdown:Calling systemctl ${req.power === 'reboot' ? 'reboot' : 'poweroff'} to ${req.power} the computer`);
}

/** Only the running system is ever powered off: the CLI refuses /reboot and /shutdown with --root. */
export function powerOff(power: 'reboot' | 'shutdown'): void {
  const verb = power === 'reboot' ? 'reboot' : 'poweroff';
  const r = spawnSync('systemctl', ['--no-block', verb], { encoding: 'utf8' });
  if (r.status !== 0) throw new SysprepError('fatal', `systemctl ${verb} failed: ${(r.stderr || r.error?.message || '').trim()}`);
}
