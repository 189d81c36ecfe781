/**
 * `sysprep [/oobe | /audit] [/generalize] [/mode:vm] [/reboot | /shutdown | /quit] … [--root DIR | --image FILE]`:
 * the run itself (SPEC 2 and 3). The parser makes the request; with --image the image is attached and
 * mounted around the run, and its root becomes the request's root.
 */
import { SysprepError } from '../../model/errors.js';
import { withImage } from '../../image/disk-image.js';
import { BUILT_IN_PROVIDERS } from '../../providers/index.js';
import { planProviders } from '../../providers/selection.js';
import { requireRoot, runSysprep } from '../../seal/run.js';
import { parseRunArgs, type ParsedArgs } from '../args.js';
import { printSummary, progressObserver } from '../output.js';

export async function runCommand(args: ParsedArgs): Promise<number> {
  const { request, json, image } = parseRunArgs(args);
  const mode = { quiet: request.quiet, json, tty: Boolean(process.stdout.isTTY) };
  let report;
  if (image !== undefined) {
    // refuse what can be refused before the image is even attached (names of providers registered
    // inside the image can only be checked once it is)
    try {
      planProviders(request, BUILT_IN_PROVIDERS);
    } catch (err) {
      if (!(err instanceof SysprepError && /unknown provider/.test(err.message))) throw err;
    }
    requireRoot();
    report = await withImage(image, { readOnly: request.dryRun }, (img) =>
      runSysprep({ ...request, root: img.root, imageFile: image, imageMounts: img.mounted }, progressObserver(mode)));
  } else {
    report = await runSysprep(request, progressObserver(mode));
  }
  printSummary(report, mode);
  return report.exitCode;
}
