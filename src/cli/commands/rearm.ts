/** `sysprep rearm [--root DIR]`: after a deliberate OS upgrade, record the image's current OS version as the one sysprep is armed for. */
import { ExitCode } from '../../model/errors.js';
import { PATHS } from '../../model/paths.js';
import { openTarget, requireRoot } from '../../seal/run.js';
import { TargetLock } from '../../system/lock.js';
import { readInstallRecord } from '../../system/state.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function rearmCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'rearm', ['root', 'json']);
  requireRoot();
  const root = args.options.get('root')?.at(-1) ?? '/';
  const target = openTarget(root, false);
  const lock = new TargetLock(target.fs);
  lock.acquire();
  try {
    const before = readInstallRecord(target.fs);
    if (before) target.fs.remove(PATHS.installIni, `was ${before.osId} ${before.versionId}`);
    process.stdout.write(`Re-armed: the next run records ${target.os.id} ${target.os.versionId} as this image's OS.\n`);
    return ExitCode.ok;
  } finally {
    lock.release();
  }
}
