/**
 * What a run reports (the `--json` report, the console's progress) and the log that goes with it
 * (SPEC 3, step 2: the Panther banner; step 3: the request, option by option).
 */
import type { Finding } from '../verify/types.js';
import type { DeviceChange } from '../model/devices.js';
import type { Change } from '../rootfs/rootfs.js';
import type { ImageState } from '../model/image-state.js';
import type { ProviderPass } from '../model/passes.js';
import type { ImageMount, PowerAction, RunRequest } from '../model/request.js';
import { PATHS } from '../model/paths.js';
import { VERSION } from '../model/version.js';
import type { Provider } from '../providers/api.js';
import { formatTimestamp, type LogLine, type PantherLog } from '../system/panther.js';
import type { Target } from '../system/target.js';

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

/** The seal's verify (SPEC 9), as the report gives it. */
export interface SealProof {
  verdict: string;
  findings: Finding[];
  allowed: number;
  unscanned: number;
  fingerprints: number | null;
  seconds: number;
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
  /** the seal's verify (SPEC 9): null when it did not run (a dry run, --verify off, no /generalize) */
  verify: SealProof | null;
  /** with --image: the device ids the device phase changed, old → new (src/image/devices.ts) */
  devices?: DeviceChange[];
}

export interface RunObserver {
  providerStarted?(p: Provider, index: number, total: number): void;
  change?(p: Provider | undefined, c: Change): void;
  providerFinished?(r: ProviderResult, index: number, total: number): void;
  problem?(line: LogLine): void;
}

/** The report as a run starts: nothing done yet; problems the log records are collected as they come. */
export function startReport(req: RunRequest, plan: readonly Provider[], target: Target, log: PantherLog, stateBefore: ImageState, observer: RunObserver): RunReport {
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
    answerFile: null,
    providers: [],
    changed: [],
    warnings: [],
    errors: [],
    verify: null,
    log: log.lines,
  };
  log.onProblem = (line) => {
    (line.level === 'Error' ? report.errors : report.warnings).push(line.message);
    observer.problem?.(line);
  };
  return report;
}

/** Steps 2 and 3: the banner, what runs on what, and the request as the user spelled it. */
export function logRunStart(req: RunRequest, plan: readonly Provider[], target: Target, log: PantherLog, stateBefore: ImageState, staleNote: string | undefined): void {
  log.open();
  log.banner();
  log.info(`The time is now ${formatTimestamp(new Date())}`, 0x0f004d);
  log.info(`Initialized SysPrep log at ${PATHS.sysprepPanther}${req.dryRun ? ' (dry run: kept in memory, nothing written)' : ''}`, 0x0f004e);
  log.info(`sysprep ${VERSION}; target ${req.imageFile ? `image ${req.imageFile}, root mounted at ` : ''}${req.root} (${target.os.prettyName}, layout ${target.family ?? 'unknown'})`);
  if (req.imageMounts) log.info(`image file systems: ${req.imageMounts.map((m) => `${m.mountpoint} from ${m.source} (${m.fstype})`).join(', ')}`);
  log.info('ValidatePrivileges:User has required privileges to sysprep machine', 0x0f0054);
  if (staleNote) log.warn(`Lock: ${staleNote}`);
  for (const opt of req.optionsSeen) log.info(`ParseCommands:Found supported command line option '${opt}'`, 0x0f005f);
  log.info(`Image state is ${stateBefore}; providers selected: ${plan.map((p) => p.id).join(', ') || '(none)'}`);
}
