import { PHASE_PASS, type Phase } from '../../model/passes.js';
import { VERSION } from '../../model/version.js';
import type { RootFs } from '../../rootfs/rootfs.js';
import { MARKERS, UNIT_DIR } from '../../model/paths.js';
import { ImageFacts } from './facts.js';
import { arityFits, decodeRecords, encodeRecords, FORMATS, signatureOf } from '../contract.js';
import { PLAN_DIR, Plan, cacheFile, hostKeysFile, planFile } from './types.js';

/** The drop-in that orders the host-keys unit before the units of the packages whose keys it makes. */
export const HOST_KEYS_DROPIN_DIR = `${UNIT_DIR}/sysprep-host-keys.service.d`;
export const HOST_KEYS_DROPIN = `${HOST_KEYS_DROPIN_DIR}/sysprep-package-keys.conf`;

/** Writing a plan into the image. */
/** later phases, whose plans assumed what an earlier phase leaves behind */
export const LATER: Readonly<Record<Phase, readonly Phase[]>> = {
  specialize: ['oobe', 'audit', 'audit-user'],
  oobe: [],
  audit: ['audit-user'],
  'audit-user': [],
};


/** The records of a plan (contract.ts): what the runner reads; nothing in it is ever executed as shell. */
export function planRecords(plan: Plan): [string, ...string[]][] {
  for (const st of [...plan.steps, ...plan.finish]) {
    if (!arityFits(st.op, st.args.length)) throw new Error(`${st.op}: ${st.args.length} arguments do not fit ${signatureOf(st.op)}`);
  }
  return [
    ['about', `made by sysprep ${VERSION} ${plan.madeAt === 'seal' ? 'when the image was sealed' : 'at boot'}, ${new Date().toISOString()}; ` +
      `phase ${plan.phase} (${PHASE_PASS[plan.phase]} pass), then ${plan.target === 'audit' ? 'audit mode' : 'OOBE'}; ` +
      `answer file: ${plan.answer ? `${plan.answer.source} (${plan.answer.origin})` : 'none'}. It may hold passwords: mode 0600, removed when the pass is complete.`],
    ['origin', plan.answer?.origin ?? 'none'],
    ...plan.inputs.map((i): [string, ...string[]] => ['input', i.path, i.present ? 'present' : 'absent']),
    ...plan.steps.map((st): [string, ...string[]] => ['step', st.id ?? '', st.op, ...st.args]),
    ...plan.finish.map((st): [string, ...string[]] => ['finish', st.op, ...st.args]),
  ];
}

/** The plan file: the plan's records (NUL-separated fields, contract.ts). */
export function renderPlan(plan: Plan): Buffer {
  return encodeRecords(FORMATS.plan, planRecords(plan));
}

/** A plan file for people (`sysprep agent show-plan`): one line per record, values quoted as JSON; passwords hidden. */
export function describePlanFile(bytes: Buffer): string {
  const secret = (op: string, i: number) => (op === 'op_passwords' && i % 2 === 1) || (op === 'op_write_file' && i === 2);
  return decodeRecords(FORMATS.plan, bytes).map(([kind, ...f]) => {
    if (kind === 'step' || kind === 'finish') {
      const [op, ...args] = kind === 'step' ? f.slice(1) : f;
      const shown = args.map((a, i) => (secret(op!, i) ? '(hidden)' : JSON.stringify(a)));
      return `${kind}${kind === 'step' ? ` ${f[0] || '-'}` : ''}: ${op} ${shown.join(' ')}`.trimEnd();
    }
    return `${kind}: ${f.map((x) => JSON.stringify(x)).join(' ')}`;
  }).join('\n') + '\n';
}

/** Write a plan (and the cache it leaves) into the image, 0600; later phases' plans go, they assumed another past. */
export function writePlan(fs: RootFs, plan: Plan): void {
  fs.makeDirectory(PLAN_DIR, 0o700);
  for (const later of LATER[plan.phase]) removePlan(fs, later);
  if (plan.cacheAfter !== undefined) fs.writeText(cacheFile(plan.phase), plan.cacheAfter, { mode: 0o600 });
  else fs.remove(cacheFile(plan.phase));
  fs.writeText(planFile(plan.phase), renderPlan(plan), { mode: 0o600 });
}

/**
 * The host keys the image's sshd uses, for the host-keys unit (sysprep-host-keys.service), and the
 * marker that has the generator start that unit until they exist.
 */
export function writeHostKeysPlan(fs: RootFs, facts: ImageFacts, hostName?: string): void {
  fs.makeDirectory(PLAN_DIR, 0o700);
  fs.writeText(MARKERS.hostKeysPending, '', { mode: 0o644 });
  fs.writeText(hostKeysFile, encodeRecords(FORMATS.hostKeys, [
    ...(hostName ? [['name', hostName] as [string, string]] : []),
    ...facts.hostKeys.map((k): [string, string, string] => ['key', k.type, k.file]),
    ...facts.regenerations.map((r): [string, ...string[]] => ['make', r.id, r.out, ...r.argv]),
  ]), { mode: 0o600 });
  // the units that use what the packages' tools make start after it; the rest of the boot does not wait
  const before = [...new Set(facts.regenerations.flatMap((r) => r.before))].filter((u) => UNIT_NAME.test(u)).sort();
  if (before.length) {
    fs.makeDirectory(HOST_KEYS_DROPIN_DIR, 0o755);
    fs.writeText(HOST_KEYS_DROPIN, `# sysprep: the units that use the packages' keys and ids this unit makes\n[Unit]\nBefore=${before.join(' ')}\n`, { mode: 0o644 });
  } else fs.remove(HOST_KEYS_DROPIN);
}

const UNIT_NAME = /^[A-Za-z0-9:_.@\\-]+\.(service|socket|target|mount|path|timer)$/;

/** The host name a specialize plan sets, when it is fixed (ComputerName), not generated at boot. */
export function plannedHostName(plan: Plan): string | undefined {
  const st = plan.steps.find((x) => x.id === 'hostname');
  return st?.op === 'op_hostname' ? st.args[0] : undefined;
}

export function removePlan(fs: RootFs, phase: Phase): void {
  fs.remove(planFile(phase));
  fs.remove(cacheFile(phase));
}
