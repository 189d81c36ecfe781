/**
 * Offline servicing (SPEC 11): the answer file's offlineServicing settings that sysprep applies
 * (DriverPaths; OFFLINE_SERVICING_SETTINGS) to an offline root or image, as DISM /Apply-Unattend does
 * to an offline Windows image:
 *
 *   - when an offline root or image is generalized, before the providers run (the drivers are then
 *     part of what the seal cleans: apt's logs and caches);
 *   - alone, with `sysprep --image FILE /unattend:FILE` (or --root) and an answer file whose only
 *     settings are offlineServicing ones: the drivers are added and nothing else happens (no state
 *     change, no providers, no first-boot agent).
 *
 * The paths are found and classified before the target is locked (a missing path is exit 2, nothing
 * changed); the work is src/system/drivers.ts's.
 */
import * as path from 'node:path';
import { getPassSettings, hasSettingsForPass } from '../answer-file/index.js';
import type { RunRequest } from '../model/request.js';
import type { FoundAnswerFile } from '../system/answer-search.js';
import { addDrivers, checkAgainstTarget, resolveDriverPaths, type AddResult, type ResolvedDriverPath } from '../system/drivers.js';
import type { PantherLog } from '../system/panther.js';
import type { Target } from '../system/target.js';
import { passesWithSettings } from './answer.js';

export interface OfflineServicing {
  paths: ResolvedDriverPath[];
}

/** A run that only services: an offline target, an explicit answer file with offlineServicing settings only, no /generalize. */
export function servicingOnly(req: Pick<RunRequest, 'root' | 'generalize' | 'unattend'>, answer: FoundAnswerFile | undefined): boolean {
  return req.root !== '/' && !req.generalize && req.unattend !== undefined && answer !== undefined &&
    hasSettingsForPass(answer.doc, 'offlineServicing') && passesWithSettings(answer).length === 0;
}

/**
 * The offlineServicing DriverPaths of the answer file, found and checked against the target; undefined
 * when there is nothing to service (the running system is never serviced offline: its DriverPaths are
 * auditSystem's).
 */
export function prepareOfflineServicing(target: Target, answer: FoundAnswerFile | undefined): OfflineServicing | undefined {
  if (!answer || target.running || !hasSettingsForPass(answer.doc, 'offlineServicing')) return undefined;
  const entries = getPassSettings(answer.doc, 'offlineServicing').driverPaths.filter((d) => d.action !== 'remove');
  if (!entries.length) return undefined;
  const inTarget = answer.origin !== 'explicit' && answer.origin !== 'kernel-cmdline';
  const paths = resolveDriverPaths(target.fs, entries, {
    answerDir: inTarget ? path.posix.dirname(answer.source) : path.dirname(answer.source),
    answerInTarget: inTarget,
    offline: true,
    label: `${answer.source} (offlineServicing)`,
  });
  checkAgainstTarget(target.fs, paths.map((p) => p.classified));
  return { paths };
}

export function applyOfflineServicing(target: Target, log: PantherLog, servicing: OfflineServicing): AddResult {
  for (const p of servicing.paths) log.info(`Answer file: offlineServicing DriverPaths ${p.key}: ${p.path} → ${p.why}`);
  const result = addDrivers(target.fs, servicing.paths.map((p) => p.classified), { loadAtBoot: false, log });
  for (const a of result.added) log.info(`Answer file: DriverPaths added ${a.what}${a.kernels.length ? ` [${a.kernels.join(', ')}]` : ''}`);
  for (const n of result.notes) log.info(`Answer file: DriverPaths: ${n}`);
  return result;
}
