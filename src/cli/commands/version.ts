/** `sysprep --version`: the version, from package.json. */
import { ExitCode } from '../../model/errors.js';
import { VERSION } from '../../model/version.js';
import type { ParsedArgs } from '../args.js';

export async function versionCommand(_args: ParsedArgs): Promise<number> {
  process.stdout.write(`sysprep ${VERSION}\n`);
  return ExitCode.ok;
}
