/**
 * Step 4 of a run (SPEC 3): validate every selected provider (no side effects; a refusal is exit 4 and
 * changes nothing), then process them in order. The first failure halts; each provider's completion is
 * recorded (progress.json), so a rerun of the same request after a crash does the rest, and nothing twice.
 */
import { randomUUID } from 'node:crypto';
import { describeError, SysprepError } from '../model/errors.js';
import type { ProviderPass } from '../model/passes.js';
import { PATHS } from '../model/paths.js';
import type { RunRequest } from '../model/request.js';
import { appliesTo, keyOf, type Provider, type ProviderContext } from '../providers/api.js';
import type { PantherLog } from '../system/panther.js';
import { readProgress, sameRequest, writeImageState, writeProgress, type ProgressRecord, type RunRequestKey } from '../system/state.js';
import type { Target } from '../system/target.js';
import type { ImageState } from '../model/image-state.js';
import type { ProviderResult, RunObserver, RunReport } from './report.js';

/** One result per selected provider, in run order; those not for this layout are marked so already. */
export function providerResults(plan: readonly Provider[], target: Target, report: RunReport): Map<string, ProviderResult> {
  const results = new Map<string, ProviderResult>();
  for (const p of plan) {
    const r: ProviderResult = { id: keyOf(p), pass: p.pass, source: p.source ?? 'built-in', status: 'not-run', notes: [], changes: [], milliseconds: 0 };
    results.set(keyOf(p), r);
    report.providers.push(r);
    if (!appliesTo(p, target)) {
      r.status = 'not-applicable';
      r.notes.push(`not for this layout (${target.family ?? 'unknown'}; needs ${p.families!.join(', ')})`);
    }
  }
  return results;
}

/** 4a: every applicable provider's validate, pass by pass; the first refusal is exit 4. */
export async function validateProviders(plan: readonly Provider[], results: Map<string, ProviderResult>, contextFor: (p: Provider) => ProviderContext, log: PantherLog): Promise<void> {
  const applicable = plan.filter((p) => results.get(keyOf(p))!.status !== 'not-applicable');
  for (const pass of ['cleanup', 'generalize'] as const satisfies readonly ProviderPass[]) {
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
}

/**
 * The progress record of this run: the interrupted one when the same request is run again while the
 * image is UNDEPLOYABLE (completed providers are not run again), or a new one.
 */
export function startProgress(req: Pick<RunRequest, 'generalize' | 'mode'>, plan: readonly Provider[], target: Target, stateBefore: ImageState, log: PantherLog, report: RunReport): ProgressRecord {
  const key: RunRequestKey = { generalize: req.generalize, mode: req.mode, providers: plan.map(keyOf) };
  const previous = readProgress(target.fs);
  let progress: ProgressRecord;
  if (stateBefore === 'IMAGE_STATE_UNDEPLOYABLE' && previous && !previous.finished && sameRequest(previous.request, key)) {
    progress = previous;
    report.resumed = true;
    log.info(`Resuming the interrupted run ${previous.runId} of ${previous.startedAt}: ` +
      `${Object.keys(previous.completed).length} of ${plan.length} providers had completed`);
  } else {
    progress = { runId: randomUUID(), startedAt: new Date().toISOString(), request: key, completed: {}, finished: false, succeeded: false };
  }
  writeImageState(target.fs, 'IMAGE_STATE_UNDEPLOYABLE');
  writeProgress(target.fs, progress);
  return progress;
}

export interface Running {
  /** the provider whose changes are being recorded, if any */
  current: Provider | undefined;
}

/** 4b: the providers in order; returns the one that failed, if any (the run halts there). */
export async function processProviders(
  plan: readonly Provider[],
  results: Map<string, ProviderResult>,
  progress: ProgressRecord,
  env: { target: Target; log: PantherLog; observer: RunObserver; running: Running; contextFor: (p: Provider) => ProviderContext },
): Promise<{ provider: Provider; message: string } | undefined> {
  const { target: { fs }, log, observer, running, contextFor } = env;
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
    running.current = p;
    const before = fs.changes.length;
    try {
      await p.run(contextFor(p));
      r.status = 'done';
    } catch (err) {
      r.status = 'failed';
      r.error = describeError(err);
    } finally {
      running.current = undefined;
      r.changes = fs.changes.slice(before);
      r.milliseconds = Math.round(performance.now() - started);
    }
    if (r.status === 'failed') {
      log.error(`RunProvider:An error occurred while running '${p.id}', halting sysprep execution: ${r.error}`, 0x0f0070);
      log.error(`WinMain:Hit failure while processing sysprep ${p.pass} providers; provider ${p.id}`, 0x0f00a8);
      observer.providerFinished?.(r, index, total);
      return { provider: p, message: r.error! };
    }
    progress.completed[keyOf(p)] = new Date().toISOString();
    // written (synced) after an external provider (its commands' changes are not seen here, and it
    // need not be idempotent) and after a built-in one that changed something: the record then holds
    // every provider before it too. A built-in provider that changed nothing is recorded with the next
    // write; if the power goes before that, a rerun runs it again, which again changes nothing (about
    // 50 of 70 find nothing on a typical image, and each synced write costs a millisecond or two)
    if (r.changes.length || p.source !== 'built-in') writeProgress(fs, progress);
    observer.providerFinished?.(r, index, total);
  }
  return undefined;
}
