/**
 * The answer file in a run (SPEC 5): which pass's settings pick it, what its generalize settings tell
 * the providers (PnpSysprep), what the generalize pass applies to the image itself (DeviceForm,
 * ExtendOSPartition, registration), and its cache for the first-boot passes.
 */
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { chassisForDeviceForm, getPassSettings, hasSettingsForPass, markPassProcessed, scrubSensitive, serialize } from '../answer-file/index.js';
import { describeError } from '../model/errors.js';
import type { AnswerPass } from '../model/passes.js';
import { PATHS } from '../model/paths.js';
import type { RunRequest } from '../model/request.js';
import type { RootFs } from '../rootfs/rootfs.js';
import type { RunOptions } from '../providers/api.js';
import type { FoundAnswerFile } from '../system/answer-search.js';
import { setChassis } from '../system/host.js';
import { extendOsPartition } from '../system/extend-partition.js';
import type { PantherLog } from '../system/panther.js';
import { formatIni } from '../system/state.js';

type PassSettings = ReturnType<typeof getPassSettings>;

/** The pass whose settings decide which answer file the implicit search takes. */
export function answerSearchPass(req: Pick<RunRequest, 'generalize' | 'mode'>): AnswerPass {
  if (req.generalize) return 'generalize';
  return req.mode === 'audit' ? 'auditSystem' : 'oobeSystem';
}

/** The passes that still have unprocessed settings in the answer file. */
export function passesWithSettings(answer: FoundAnswerFile): string[] {
  return (['generalize', 'specialize', 'auditSystem', 'auditUser', 'oobeSystem'] as AnswerPass[]).filter((p) => hasSettingsForPass(answer.doc, p));
}

/** The generalize settings the run applies, when there are any. */
export function generalizeSettings(req: Pick<RunRequest, 'generalize'>, answer: FoundAnswerFile | undefined): PassSettings | undefined {
  return answer && req.generalize ? getPassSettings(answer.doc, 'generalize') : undefined;
}

/** The answer file in the log, and what its PnpSysprep settings tell the providers. */
export function logAnswerFile(log: PantherLog, answer: FoundAnswerFile | undefined, gen: PassSettings | undefined, options: RunOptions): void {
  if (answer) {
    log.info(`Answer file: ${answer.source} [${answer.origin}]; passes with settings: ${passesWithSettings(answer).join(', ') || '(none)'}` +
      (answer.warnings ? `; ${answer.warnings} warnings (see: sysprep unattend check)` : ''));
  }
  if (!gen) return;
  options.persistAllDeviceInstalls = gen.pnpSysprep.persistAllDeviceInstalls ?? false;
  options.doNotCleanUpNonPresentDevices = gen.pnpSysprep.doNotCleanUpNonPresentDevices ?? false;
  if (options.persistAllDeviceInstalls) log.info('Answer file: PersistAllDeviceInstalls: device-bound state (udev rules, MAC pins, saved device state) is kept');
  if (options.doNotCleanUpNonPresentDevices) log.info('Answer file: DoNotCleanUpNonPresentDevices: udev rules of absent devices are kept');
}

/**
 * Deployment settings of the generalize pass that act on the image itself: DeviceForm (the chassis in
 * /etc/machine-info, as hostnamectl set-chassis writes it; the same edit as the runner's op_chassis,
 * kept in step by a parity test) and ExtendOSPartition, which grows the partition of the system being
 * generalized: the running one only (an offline root's disk is not this machine's; the specialize pass
 * extends each clone's own).
 */
function applyGeneralizeDeployment(fs: RootFs, log: PantherLog, gen: PassSettings): void {
  const form = gen.deployment.deviceForm;
  if (form !== undefined) {
    const chassis = chassisForDeviceForm(form);
    if (!chassis) log.info(`Answer file: DeviceForm ${form} has no systemd chassis type; not set`);
    else {
      setChassis(fs, chassis);
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
export function applyAnswerFile(fs: RootFs, log: PantherLog, answer: FoundAnswerFile, req: Pick<RunRequest, 'generalize'>, gen: PassSettings | undefined): void {
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
