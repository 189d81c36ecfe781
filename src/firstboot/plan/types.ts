import { type PassSettings } from '../../answer-file/index.js';
import type { AnswerFileOrigin, FoundAnswerFile } from '../../system/answer-search.js';
import { type Mode, type Phase } from '../../model/passes.js';
import { PATHS } from '../../model/paths.js';
import type { OpName } from '../contract.js';
import type { ImageFacts } from './facts.js';

/** A plan: what one first-boot phase does, step by step (made by the planner, carried out by the runner). */
/** One call of an op_* function of the runner; with an id, a step recorded once done. */
export interface PlanStep {
  id?: string;
  op: OpName;
  args: readonly string[];
}

export interface Plan {
  phase: Phase;
  /** where the clone goes after specialize */
  target: Mode;
  madeAt: 'seal' | 'boot';
  answer?: { origin: AnswerFileOrigin; source: string };
  /** files the answer-file search reads (and the licence the OOBE shows): present or absent when planned */
  inputs: { path: string; present: boolean }[];
  steps: PlanStep[];
  /** after every step: the cache, the image state, a power action */
  finish: PlanStep[];
  /** the answer-file cache after this pass (marked processed, its secrets deleted) */
  cacheAfter?: string;
  /** the OOBE pages the answer file left open (oobe plans) */
  pages: OobePage[];
}

export const PLAN_DIR = PATHS.planDir;
export const planFile = (phase: Phase) => `${PLAN_DIR}/${phase}.plan`;
export const cacheFile = (phase: Phase) => `${PLAN_DIR}/${phase}.cache`;
/** the SSH host keys the host-keys unit makes (records: `name` HOST, `key` TYPE FILE) */
export const hostKeysFile = `${PLAN_DIR}/host-keys`;

export interface PlanInput {
  facts: ImageFacts;
  target: Mode;
  madeAt: 'seal' | 'boot';
  answer?: FoundAnswerFile;
  /** the specialize settings already processed (the OOBE's pages depend on them) */
  specialized?: PassSettings;
  inputs: Plan['inputs'];
}

/** The pages of the interactive OOBE, in the order it asks them. */
export const OOBE_PAGES = ['eula', 'locale', 'keyboard', 'timezone', 'hostname', 'user'] as const;
export type OobePage = (typeof OOBE_PAGES)[number];
