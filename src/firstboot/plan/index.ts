/**
 * First-boot plans: what a pass does in a clone. sysprep decides here, in TypeScript, with the answer
 * file's model and the image in front of it; the bash runner (runner.bash, installed as
 * /usr/lib/sysprep/firstboot) carries a plan out, step by step, with the image's own tools. A plan is
 * data: records of the operations of ../contract.ts (NUL-separated fields), which the runner reads and
 * checks against its own table; nothing in it is ever run as shell.
 *
 * A plan is made when the image is sealed (`sysprep /generalize`, step 5), for the passes of the next
 * boot, from what the answer-file search (SPEC 5) can see in the image: the cache, /etc/sysprep/unattend.xml,
 * /unattend.xml. What it cannot see — the clone's kernel command line and media — the runner checks at
 * boot, with the inputs the plan records (present or absent, and not changed since); when they differ the
 * Node.js agent plans the pass again at boot (`sysprep agent plan PHASE`), with the full search. So a
 * clone's first boot needs no Node.js at all in the common case, and the answer file still decides.
 *
 * The Windows tables live here as well: the order of a pass's work, RunSynchronous's WillReboot codes
 * (in the runner), Reseal and Generalize per pass (reference §3.4), the OOBE pages an answer file closes.
 */
export { makePlan } from './make.js';
export type { Plan, PlanStep, PlanInput } from './types.js';
export { PLAN_DIR, hostKeysFile, planFile } from './types.js';
export { imageFacts, normalizedLocale, type ImageFacts } from './facts.js';
export { cacheAfterPass } from './builder.js';
export { oobePages } from './oobe.js';
export { OOBE_PAGES, type OobePage } from './types.js';
export { describePlanFile, planRecords, removePlan, renderPlan, writeHostKeysPlan, writePlan } from './render.js';
export { describePlan, IMAGE_CANDIDATES, planPhases, sealPlans } from './seal.js';
