import { getPassSettings, hasSettingsForPass, parseAnswerFile, type AnswerFileDocument, type PassSettings } from '../../answer-file/index.js';
import type { FoundAnswerFile } from '../../system/answer-search.js';
import { BOOT_PHASES, type ImageState } from '../../model/image-state.js';
import { PHASE_PASS, type AnswerPass, type Mode, type Phase } from '../../model/passes.js';
import { PATHS } from '../../model/paths.js';
import type { RootFs } from '../../rootfs/rootfs.js';
import { imageFacts, type ImageFacts } from './facts.js';
import { makePlan } from './make.js';
import { plannedHostName, writeHostKeysPlan, writePlan } from './render.js';
import { PLAN_DIR, Plan } from './types.js';

/** At seal time: the plans of the next boot's passes, from what the answer-file search can see in the image. */

/** The candidates of the answer-file search that are in the image (SPEC 5: 2, 4 and 5). */
export const IMAGE_CANDIDATES = [
  { origin: 'cache', path: PATHS.cachedUnattend },
  { origin: 'etc', path: '/etc/sysprep/unattend.xml' },
  { origin: 'root', path: '/unattend.xml' },
] as const;

/**
 * The search as the clone will do it, minus what only the clone has (its kernel command line, its
 * media: the runner checks those). `cache` is the cache's content at that point (the previous pass
 * changed it), undefined when there is none.
 */
export function searchInImage(fs: RootFs, pass: AnswerPass, cache: string | undefined, notes: string[]): FoundAnswerFile | undefined {
  for (const c of IMAGE_CANDIDATES) {
    const text = c.origin === 'cache' ? cache : fs.readText(c.path);
    if (text === undefined) continue;
    let doc: AnswerFileDocument;
    try {
      doc = parseAnswerFile(text, c.path);
    } catch (err) {
      // the clone's search will refuse it loudly; the plan leaves that to the agent at boot
      notes.push(`${c.path} cannot be read (${(err as Error).message}); the ${pass} pass will be planned at boot`);
      return undefined;
    }
    if (hasSettingsForPass(doc, pass)) return { doc, source: c.path, origin: c.origin, warnings: 0 };
  }
  return undefined;
}

/**
 * Plans for the passes of the next boot, made when the image is sealed; returns what was planned (for
 * the log). A pass whose answer file cannot be known now (an unreadable candidate) gets no plan: the
 * agent plans it at boot.
 */
export function sealPlans(fs: RootFs, state: ImageState): { planned: Plan[]; notes: string[] } {
  for (const name of fs.list(PLAN_DIR)) fs.remove(`${PLAN_DIR}/${name}`);
  const { phases, target } = BOOT_PHASES[state];
  if (!phases.length) return { planned: [], notes: [] };
  const facts = imageFacts(fs);
  // the host keys are made whatever happens to the plans (specialize may be planned at boot)
  if (phases.includes('specialize')) writeHostKeysPlan(fs, facts);
  return planPhases(fs, phases, target, facts, fs.readText(PATHS.cachedUnattend), 'seal');
}

/**
 * Plan these phases one after the other, each from the search in the image with the cache as the
 * phase before leaves it (`cache`: the cache as it is before the first). The seal plans a boot's
 * phases this way; so does the agent at boot, for the phases after one that took a per-clone file.
 */
export function planPhases(fs: RootFs, phases: readonly Phase[], target: Mode, facts: ImageFacts, cache: string | undefined, madeAt: 'seal' | 'boot'): { planned: Plan[]; notes: string[] } {
  const notes: string[] = [];
  let specialized: PassSettings | undefined;
  const planned: Plan[] = [];
  for (const phase of phases) {
    const pass = PHASE_PASS[phase];
    const inputs = [
      { path: PATHS.cachedUnattend, present: cache !== undefined },
      ...IMAGE_CANDIDATES.slice(1).map((c) => ({ path: c.path, present: fs.exists(c.path) })),
      ...(phase === 'oobe' ? [{ path: '/etc/sysprep/eula.txt', present: facts.hasEula }] : []),
    ];
    const unreadable = notes.length;
    const answer = searchInImage(fs, pass, cache, notes);
    if (notes.length > unreadable) break;
    if (phase === 'oobe' && cache !== undefined) {
      try {
        specialized = getPassSettings(parseAnswerFile(cache, PATHS.cachedUnattend), 'specialize');
      } catch {
        specialized = undefined;
      }
    }
    const plan = makePlan(phase, { facts, target, madeAt, inputs, ...(answer ? { answer } : {}), ...(specialized ? { specialized } : {}) });
    writePlan(fs, plan);
    if (phase === 'specialize') writeHostKeysPlan(fs, facts, plannedHostName(plan));
    planned.push(plan);
    if (plan.cacheAfter !== undefined) cache = plan.cacheAfter;
  }
  return { planned, notes };
}

/** A short account of a plan for the log: its steps by id, secrets never. */
export function describePlan(plan: Plan): string {
  const ids = plan.steps.filter((st) => st.id).map((st) => st.id!);
  return `${plan.phase}: ${ids.length} steps (${ids.join(', ') || 'none'})${plan.pages.length ? `; OOBE pages ${plan.pages.join(', ')}` : ''}`;
}
