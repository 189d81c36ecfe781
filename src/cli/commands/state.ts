/** `sysprep state [--root DIR | --image FILE] [--json]`: the image state (SPEC 4) and, with --json, the last run. */
import { ExitCode, usageError } from '../../model/errors.js';
import { PATHS } from '../../model/paths.js';
import { withImage } from '../../image/disk-image.js';
import { openTarget, requireRoot } from '../../seal/run.js';
import { TargetLock } from '../../system/lock.js';
import { parseIni, readImageState, readInstallRecord, readProgress } from '../../system/state.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function stateCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'state', ['root', 'json', 'image']);
  if (args.positionals.length) throw usageError(`'sysprep state' takes no argument '${args.positionals[0]}'`);
  const image = args.options.get('image')?.at(-1);
  if (image !== undefined) {
    if (args.options.has('root')) throw usageError('--root and --image exclude each other');
    requireRoot();
    return withImage(image, { readOnly: true }, async (img) => printState(img.root, args.options.has('json')));
  }
  return printState(args.options.get('root')?.at(-1) ?? '/', args.options.has('json'));
}

function printState(root: string, json: boolean): number {
  const target = openTarget(root, true);
  const state = readImageState(target.fs);
  if (!json) {
    process.stdout.write(`${state.imageState}${state.neverSealed ? ' (never sealed)' : ''}\n`);
    return ExitCode.ok;
  }
  const progress = readProgress(target.fs);
  const install = readInstallRecord(target.fs);
  const imageIni = target.fs.readText(PATHS.imageIni);
  const holder = new TargetLock(target.fs).holder();
  process.stdout.write(JSON.stringify({
    imageState: state.imageState,
    neverSealed: state.neverSealed,
    succeededTag: target.fs.exists(PATHS.successTag),
    running: holder ? { pid: holder.pid } : null,
    registration: imageIni !== undefined ? parseIni(imageIni).Image ?? {} : null,
    installedFor: install ? { osId: install.osId, versionId: install.versionId, installedAt: install.installedAt } : null,
    lastRun: progress ? {
      runId: progress.runId,
      startedAt: progress.startedAt,
      finishedAt: progress.finishedAt ?? null,
      request: progress.request,
      finished: progress.finished,
      succeeded: progress.succeeded,
      completed: Object.keys(progress.completed),
      pending: progress.request.providers.filter((id) => !progress.completed[id]),
      failedProvider: progress.failedProvider ?? null,
      failure: progress.failure ?? null,
    } : null,
  }, null, 2) + '\n');
  return ExitCode.ok;
}
