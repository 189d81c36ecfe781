import { PHASE_PASS, type Phase } from '../../model/passes.js';
import { VERSION } from '../../model/version.js';
import type { RootFs } from '../../rootfs/rootfs.js';
import { MARKERS } from '../../model/paths.js';
import { ImageFacts } from './facts.js';
import { PLAN_DIR, Plan, PlanStep, cacheFile, planFile } from './types.js';

/** Writing a plan into the image. */
/** later phases, whose plans assumed what an earlier phase leaves behind */
export const LATER: Readonly<Record<Phase, readonly Phase[]>> = {
  specialize: ['oobe', 'audit', 'audit-user'],
  oobe: [],
  audit: ['audit-user'],
  'audit-user': [],
};


/** Single-quoted for bash, unless plainly safe. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export const call = (st: PlanStep) => [st.op, ...st.args].map(shellQuote).join(' ');

export function renderPlan(plan: Plan): string {
  const lines = [
    '# sysprep first-boot plan (see /usr/lib/sysprep/firstboot): made by sysprep ' +
      `${VERSION} ${plan.madeAt === 'seal' ? 'when the image was sealed' : 'at boot'}, ${new Date().toISOString()}.`,
    `# Phase ${plan.phase} (${PHASE_PASS[plan.phase]} pass), then ${plan.target === 'audit' ? 'audit mode' : 'OOBE'}. ` +
      `Answer file: ${plan.answer ? `${plan.answer.source} (${plan.answer.origin})` : 'none'}.`,
    '# It may hold passwords: mode 0600, removed when the pass is complete.',
    `plan_answer_origin=${plan.answer?.origin ?? 'none'}`,
    'plan_inputs=(',
    ...plan.inputs.map((i) => `  ${shellQuote(i.path)} ${i.present ? 'present' : 'absent'}`),
    ')',
    'plan_steps() {',
    ...plan.steps.map((st) => (st.id ? `  step ${shellQuote(st.id)} ${call(st)} || return` : `  ${call(st)} || return`)),
    '  :',
    '}',
    'plan_finish() {',
    ...plan.finish.map((st) => `  ${call(st)} || return`),
    '  :',
    '}',
  ];
  return lines.join('\n') + '\n';
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
  fs.writeText(`${PLAN_DIR}/host-keys`, '# the SSH host keys this image\'s sshd uses (its HostKey lines), by sysprep\n' +
    `host_keys=(${facts.hostKeys.flatMap((k) => [k.type, k.file]).map(shellQuote).join(' ')})\n` +
    (hostName ? `host_name=${shellQuote(hostName)}\n` : ''), { mode: 0o600 });
}

/** The host name a specialize plan sets, when it is fixed (ComputerName), not generated at boot. */
export function plannedHostName(plan: Plan): string | undefined {
  const st = plan.steps.find((x) => x.id === 'hostname');
  return st?.op === 'op_hostname' ? st.args[0] : undefined;
}

export function removePlan(fs: RootFs, phase: Phase): void {
  fs.remove(planFile(phase));
  fs.remove(cacheFile(phase));
}
