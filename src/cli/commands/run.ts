/**
 * `sysprep [/oobe | /audit] [/generalize] [/mode:vm] [/reboot | /shutdown | /quit] … [--root DIR | --image FILE]`:
 * the run itself (SPEC 2 and 3). The parser makes the request; with --image the image is attached and
 * mounted around the run, and its root becomes the request's root.
 */
import { SysprepError } from '../../model/errors.js';
import { planDevicePhase, type DevicePhase } from '../../image/devices.js';
import { withImage } from '../../image/disk-image.js';
import { BUILT_IN_PROVIDERS } from '../../providers/index.js';
import { planProviders, selectDeviceOperations } from '../../providers/selection.js';
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
      planProviders({ ...request, imageFile: image }, BUILT_IN_PROVIDERS);
    } catch (err) {
      if (!(err instanceof SysprepError && /unknown provider/.test(err.message))) throw err;
    }
    requireRoot();
    // the device phase (fs-uuids, lvm-uuids, part-uuids): checked and planned before anything is
    // mounted read-write, references rewritten inside the run, the ids changed once unmounted
    const operations = selectDeviceOperations({ ...request, imageFile: image });
    let phase: DevicePhase | undefined;
    report = await withImage(image, {
      readOnly: request.dryRun,
      ...(operations.length ? { beforeMount: (devices) => void (phase = planDevicePhase(devices, operations, new Set(request.providerLists.join(',').split(',').map((t) => t.trim())))) } : {}),
    }, async (img) => {
      const r = await runSysprep({ ...request, root: img.root, imageFile: image, imageMounts: img.mounted }, progressObserver(mode),
        phase ? { devicePhase: (env) => phase!.inRun(env) } : {});
      if (phase && r.succeeded && !request.dryRun) {
        img.afterUnmount(() => {
          try {
            phase!.afterUnmount();
          } catch (err) {
            // the references already name the new ids: say plainly what is left to do
            const message = `the device phase failed after the references were rewritten: ${(err as Error).message}. ` +
              'The image names ids its devices do not have yet: restore it from the golden image and run again.';
            r.errors.push(message);
            r.succeeded = false;
            r.exitCode = 1;
            process.stderr.write(`sysprep: ${message}\n`);
          }
        });
      }
      return r;
    });
  } else {
    report = await runSysprep(request, progressObserver(mode));
  }
  printSummary(report, mode);
  return report.exitCode;
}
