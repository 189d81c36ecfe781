import { markPassProcessed, parseAnswerFile, scrubSensitive, serialize, type AnswerFileDocument } from '../../answer-file/index.js';
import type { FoundAnswerFile } from '../../system/answer-search.js';
import { type AnswerPass, type Phase } from '../../model/passes.js';
import { PATHS } from '../../model/paths.js';
import { STEP_ID, type OpArgs, type OpName } from '../contract.js';
import { Plan, cacheFile } from './types.js';

/** Every step of a plan is made here, through the operation table (contract.ts): op names and argument counts are typed. */
export class StepBuilder {
  constructor(readonly plan: Plan) {}
  /** a step recorded once done (firstboot.steps), skipped when a resumed phase finds it done */
  step<O extends OpName>(id: string, op: O, ...args: OpArgs<O>): void {
    if (!STEP_ID.test(id)) throw new Error(`step id ${JSON.stringify(id)}: not a word`);
    this.plan.steps.push({ id, op, args: args as unknown as readonly string[] });
  }
  /** a step that is not recorded (it is cheap and harmless to repeat) */
  call<O extends OpName>(op: O, ...args: OpArgs<O>): void {
    this.plan.steps.push({ op, args: args as unknown as readonly string[] });
  }
  /** a note of the planner's for the log, when the plan runs */
  note(level: 'Info' | 'Warning', message: string): void {
    this.call('op_log', level, message);
  }
  finish<O extends OpName>(op: O, ...args: OpArgs<O>): void {
    this.plan.finish.push({ op, args: args as unknown as readonly string[] });
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
