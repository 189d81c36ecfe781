/**
 * `sysprep` with no arguments (or only `--root DIR`): on a terminal, the System Preparation Tool
 * dialog (SPEC 2.3, drawn by ../dialog.ts) for that target; not on a terminal, the usage and exit 2.
 * The dialog's answer is a command line, and OK runs exactly what that command line would.
 */
import { ExitCode } from '../../model/errors.js';
import { tokenize, type ParsedArgs } from '../args.js';
import { helpText } from '../help.js';
import { runCommand } from './run.js';

export async function dialogCommand(args: ParsedArgs): Promise<number> {
  const root = args.options.get('root')?.at(-1);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(helpText(true));
    return ExitCode.usage;
  }
  const { runDialog } = await import('../dialog.js');
  const choice = await runDialog({ target: root ?? '/', offline: root !== undefined });
  if (!choice) {
    process.stdout.write('Cancelled; nothing was changed.\n');
    return ExitCode.ok;
  }
  return runCommand(tokenize(root !== undefined ? [...choice, '--root', root] : choice));
}
