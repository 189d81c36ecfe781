/**
 * Image states (SPEC 4) and the one table of their transitions. The run (src/seal/), the planner and
 * the runner (src/firstboot/) and the boot-time generator all take their decisions from here; the
 * runner's and the generator's copies are generated from it (src/firstboot/contract.ts) and a test
 * keeps them in step.
 */
import type { Mode, Phase } from './passes.js';

export const IMAGE_STATES = [
  'IMAGE_STATE_COMPLETE',
  'IMAGE_STATE_UNDEPLOYABLE',
  'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE',
  'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT',
  'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE',
  'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT',
] as const;
export type ImageState = (typeof IMAGE_STATES)[number];

export function isImageState(s: string): s is ImageState {
  return (IMAGE_STATES as readonly string[]).includes(s);
}


/** The state a successful sysprep run leaves (SPEC 4): /generalize reseals to specialize first. */
export function stateAfterSeal(req: { generalize: boolean; mode: Mode }): ImageState {
  if (req.generalize) return req.mode === 'audit' ? 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT' : 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE';
  return req.mode === 'audit' ? 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' : 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE';
}

/**
 * What the next boot does in each state: the phases it runs, in order, and where the clone goes.
 * The generator pulls in the units of these phases; nothing runs in COMPLETE (and UNDEPLOYABLE
 * resumes only the phase its marker names).
 */
export const BOOT_PHASES: Readonly<Record<ImageState, { phases: readonly Phase[]; target: Mode }>> = {
  IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE: { phases: ['specialize', 'oobe'], target: 'oobe' },
  IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT: { phases: ['specialize', 'audit'], target: 'audit' },
  IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE: { phases: ['oobe'], target: 'oobe' },
  IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT: { phases: ['audit'], target: 'audit' },
  IMAGE_STATE_COMPLETE: { phases: [], target: 'oobe' },
  IMAGE_STATE_UNDEPLOYABLE: { phases: [], target: 'oobe' },
};


/** The state specialize leaves: the mode the seal asked for, one pass on. */
export function stateAfterSpecialize(target: Mode): ImageState {
  return target === 'audit' ? 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' : 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE';
}

/** Reseal (reference §3.4): Mode=Audit goes to audit mode, Mode=OOBE to the OOBE; the OOBE's own end is COMPLETE. */
export function stateForReseal(mode: Mode): ImageState {
  return mode === 'audit' ? 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT' : 'IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE';
}
export const STATE_AFTER_OOBE: ImageState = 'IMAGE_STATE_COMPLETE';
