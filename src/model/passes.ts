/**
 * The shared vocabulary of a run and a first boot: Windows' configuration passes (what an answer file
 * names), the passes providers run in, the first boot's phases and the modes a clone goes to. One
 * definition each; everything else imports these.
 */

/** The seven configuration passes of an answer file, in the order Windows documents them. */
export const ANSWER_PASSES = ['windowsPE', 'offlineServicing', 'generalize', 'specialize', 'auditSystem', 'auditUser', 'oobeSystem'] as const;
export type AnswerPass = (typeof ANSWER_PASSES)[number];

/** The answer-file passes sysprep runs (windowsPE and offlineServicing belong to Windows Setup from installation media). */
export const SYSPREP_ANSWER_PASSES: readonly AnswerPass[] = ['generalize', 'specialize', 'auditSystem', 'auditUser', 'oobeSystem'];

/**
 * The settings sysprep applies from the offlineServicing pass (SPEC 11), as `Component-short/Setting`:
 * when it generalizes an offline root or image, or services one alone (`sysprep --image FILE
 * /unattend:FILE` with only offlineServicing settings, as DISM /Apply-Unattend does). The pass's other
 * settings stay checked, not run.
 */
export const OFFLINE_SERVICING_SETTINGS: readonly string[] = ['PnpCustomizationsNonWinPE/DriverPaths'];

export function isAnswerPass(s: string): s is AnswerPass {
  return (ANSWER_PASSES as readonly string[]).includes(s);
}

/** The passes a provider runs in (SPEC 7): cleanup on every run, generalize with /generalize, specialize at first boot. */
export const PROVIDER_PASSES = ['cleanup', 'generalize', 'specialize'] as const;
export type ProviderPass = (typeof PROVIDER_PASSES)[number];

/** Where a sealed clone goes after specialize, and what /oobe and /audit ask for. */
export type Mode = 'oobe' | 'audit';

/** The phases of the first boot (each a runner command and, but audit-user, a unit) and the answer-file pass each one processes. */
export const PHASES = ['specialize', 'oobe', 'audit', 'audit-user'] as const;
export type Phase = (typeof PHASES)[number];
export const PHASE_PASS: Readonly<Record<Phase, AnswerPass>> = {
  specialize: 'specialize',
  oobe: 'oobeSystem',
  audit: 'auditSystem',
  'audit-user': 'auditUser',
};
