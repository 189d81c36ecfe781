import { markPassProcessed, parseAnswerFile, scrubSensitive, serialize, type AnswerFileDocument } from '../../answer-file/index.js';
import type { FoundAnswerFile } from '../../system/answer-search.js';
import { type AnswerPass, type Phase } from '../../model/passes.js';
import { PATHS } from '../../model/paths.js';
import { Plan, cacheFile } from './types.js';

export class StepBuilder {
  constructor(readonly plan: Plan) {}
  step(id: string, op: string, ...args: string[]): void {
    this.plan.steps.push({ id, op, args });
  }
  /** a note of the planner's for the log, when the plan runs */
  note(level: 'Info' | 'Warning', message: string): void {
    this.plan.steps.push({ op: 'op_log', args: [level, message] });
  }
  finish(op: string, ...args: string[]): void {
    this.plan.finish.push({ op, args });
  }
  /** At the end of a pass: the cache marked processed and scrubbed (SPEC 5), then the image state. */
  closePass(answer: FoundAnswerFile | undefined, pass: AnswerPass, phase: Phase): void {
    if (!answer) return;
    const { text, scrubbed } = cacheAfterPass(answer.doc, pass);
    this.plan.cacheAfter = text;
    this.finish('op_install_cache', cacheFile(phase),
      `Answer file: ${pass} pass marked processed in ${PATHS.cachedUnattend}${scrubbed ? `; ${scrubbed} sensitive values deleted` : ''}`);
  }
}

/** The answer file as the cache holds it after `pass`: a copy, marked processed, the pass's secrets deleted. */
export function cacheAfterPass(doc: AnswerFileDocument, pass: AnswerPass): { text: string; doc: AnswerFileDocument; scrubbed: number } {
  const copy = parseAnswerFile(serialize(doc), doc.file);
  markPassProcessed(copy, pass);
  const scrubbed = scrubSensitive(copy, pass);
  return { text: serialize(copy), doc: copy, scrubbed };
}
