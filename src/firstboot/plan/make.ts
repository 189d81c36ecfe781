/** One phase's plan: the pass's settings through that pass's planner. */
import { getPassSettings } from '../../answer-file/index.js';
import { PHASE_PASS, type Phase } from '../../model/passes.js';
import { planAudit, planAuditUser } from './audit.js';
import { StepBuilder } from './builder.js';
import { planOobe } from './oobe.js';
import { planSpecialize } from './specialize.js';
import { Plan, PlanInput } from './types.js';

export function makePlan(phase: Phase, input: PlanInput): Plan {
  const s = input.answer ? getPassSettings(input.answer.doc, PHASE_PASS[phase]) : undefined;
  const plan: Plan = {
    phase,
    target: input.target,
    madeAt: input.madeAt,
    ...(input.answer ? { answer: { origin: input.answer.origin, source: input.answer.source } } : {}),
    inputs: input.inputs,
    steps: [],
    finish: [],
    pages: [],
  };
  const b = new StepBuilder(plan);
  switch (phase) {
    case 'specialize':
      planSpecialize(b, input, s);
      break;
    case 'oobe':
      planOobe(b, input, s);
      break;
    case 'audit':
      planAudit(b, input, s);
      break;
    case 'audit-user':
      planAuditUser(b, input, s);
      break;
  }
  return plan;
}
