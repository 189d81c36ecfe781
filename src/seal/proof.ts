/**
 * The seal's proof (SPEC 9): the golden machine's fingerprints are taken before any provider runs,
 * and /generalize ends with `sysprep verify` of what it sealed. Findings are logged in Panther and the
 * report; with `--verify fail` they fail the run and the image stays UNDEPLOYABLE; `--verify off`
 * skips both. A dry run records nothing and verifies nothing (it removed nothing).
 */
import { PATHS } from '../model/paths.js';
import type { RunRequest } from '../model/request.js';
import { RootFs } from '../rootfs/rootfs.js';
import type { PantherLog } from '../system/panther.js';
import { writeImageState } from '../system/state.js';
import type { Target } from '../system/target.js';
import { AllowListError, type AllowEntry } from '../verify/allow.js';
import { parseFingerprints, recordFingerprints, writeFingerprints, type FingerprintRecord } from '../verify/fingerprints.js';
import { formatFinding, readAllowList, verdict, verifyTarget } from '../verify/verify.js';
import type { RunReport, SealProof } from './report.js';


/**
 * Before the providers: record the fingerprints of a machine in use (IMAGE_STATE_COMPLETE). An image
 * sealed before, or whose seal failed or was cut short, has lost some of its identity to the providers
 * that ran: the record of that first seal is kept.
 */
export function recordBeforeSeal(req: RunRequest, target: Target, log: PantherLog, report: RunReport): void {
  if (!req.generalize || req.dryRun || req.verify === 'off') return;
  const { fs } = target;
  if (report.stateBefore !== 'IMAGE_STATE_COMPLETE' && fs.isFile(PATHS.fingerprints)) {
    log.info(`verify: the fingerprints recorded before the first seal are kept (${PATHS.fingerprints}; the image is ${report.stateBefore})`);
    return;
  }
  const rec = recordFingerprints(fs);
  writeFingerprints(fs, rec);
  log.info(`verify: recorded ${rec.fingerprints.length} fingerprints of this machine (digests) in ${PATHS.fingerprints}`);
}

/**
 * The seal's own log stays in the image: it names paths the providers remove, and a journal's
 * directory is named after the machine id. The log writes `<machine-id>` instead.
 */
export function redactIdentity(target: Target, log: PantherLog): void {
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const id = target.fs.isFile(p) ? target.fs.readText(p)?.trim().toLowerCase() : undefined;
    if (id && /^[0-9a-f]{32}$/.test(id)) log.redact(id, '<machine-id>');
  }
  // the host name, in the paths that name it (rabbit@HOST, a log named after the host): a name of at
  // least eight characters, so that no common word of the log is taken for it
  const host = target.fs.isFile('/etc/hostname') ? target.fs.readText('/etc/hostname')?.trim().split('.')[0] : undefined;
  if (host && /^[a-z0-9-]{8,63}$/i.test(host) && host !== 'localhost') log.redact(host, '<host-name>');
}

/**
 * After the seal: scan the target. Returns false when the findings fail the run (--verify fail).
 */
export async function verifyAfterSeal(req: RunRequest, target: Target, log: PantherLog, report: RunReport, removesAccounts: boolean): Promise<boolean> {
  if (!req.generalize || req.dryRun || req.verify === 'off') return true;
  const { fs } = target;
  let record: FingerprintRecord | undefined;
  const text = fs.readText(PATHS.fingerprints);
  if (text !== undefined) {
    try {
      record = parseFingerprints(text, PATHS.fingerprints);
    } catch (err) {
      log.warn(`verify: ${(err as Error).message}; the original machine's identity is not searched for`);
    }
  }
  let allow: AllowEntry[];
  try {
    allow = readAllowList(fs);
  } catch (err) {
    if (!(err instanceof AllowListError)) throw err;
    log.warn(`verify: ${err.message}; no finding is allowed`);
    allow = [];
  }
  // the accounts the seal kept: all of them, unless the user-account provider removed some
  const keepAccounts = removesAccounts ? req.keepUserAccounts : ['*'];
  if (record && JSON.stringify(record.keepAccounts) !== JSON.stringify(keepAccounts)) {
    record = { ...record, keepAccounts };
    writeFingerprints(fs, record);
  }
  const r = await verifyTarget(new RootFs(fs.root, { dryRun: true }), { ...(record ? { record } : {}), allow, keepAccounts });
  const said = verdict(r);
  const fail = req.verify === 'fail' && (r.findings.length > 0 || r.unscanned > 0);
  for (const f of r.findings) {
    const line = `verify: ${formatFinding(f)}`;
    if (fail) log.error(line);
    else log.warn(line);
  }
  for (const n of r.notes) if (n.unscanned) log.warn(`verify: ${n.path}: ${n.message}`);
  log.info(`${said} (${r.files} files, ${r.fingerprints ?? 'no'} fingerprints, ${r.seconds} s)`);
  report.verify = { verdict: said, findings: r.findings, allowed: r.allowed, unscanned: r.unscanned, fingerprints: r.fingerprints, seconds: r.seconds };
  if (req.forgetFingerprints && fs.remove(PATHS.fingerprints, 'the golden machine\'s fingerprints (--verify forget)')) {
    log.info(`verify: removed ${PATHS.fingerprints} (--verify forget)`);
  }
  if (!fail) return true;
  // the seal is not proven: the image is not deployable
  writeImageState(fs, 'IMAGE_STATE_UNDEPLOYABLE');
  fs.remove(PATHS.successTag);
  report.stateAfter = 'IMAGE_STATE_UNDEPLOYABLE';
  report.succeeded = false;
  report.errors.push(`${said}: the sealed image holds what the findings above name (--verify fail); the image stays IMAGE_STATE_UNDEPLOYABLE. ` +
    `Remove them (the provider named with each), or allow them in ${PATHS.verifyAllow}, and run sysprep again.`);
  log.error(report.errors.at(-1)!);
  return false;
}
