/** `sysprep --help` (also `/?`, `-h`, `sysprep help`): the usage, every option and the providers (../help.ts). */
import { ExitCode } from '../../model/errors.js';
import type { ParsedArgs } from '../args.js';
import { helpText } from '../help.js';

export async function helpCommand(_args: ParsedArgs): Promise<number> {
  process.stdout.write(helpText());
  return ExitCode.ok;
}
