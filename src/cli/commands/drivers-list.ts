/**
 * `sysprep drivers list [--root DIR | --image FILE] [--json]` (SPEC 11): the target's out-of-tree
 * drivers (modules under /lib/modules/KVER/updates and extra, with the package or DKMS source they
 * came from), its DKMS sources, the modules loaded at boot, and what `sysprep drivers add` added.
 * Reads only.
 */
import { ExitCode, usageError } from '../../model/errors.js';
import { withImage } from '../../image/disk-image.js';
import { openTarget, requireRoot } from '../../seal/run.js';
import { listDrivers } from '../../system/drivers.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function driversListCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'drivers list', ['root', 'image', 'json']);
  if (args.positionals.length) throw usageError(`'sysprep drivers list' takes no argument '${args.positionals[0]}'`);
  const image = args.options.get('image')?.at(-1);
  const json = args.options.has('json');
  if (image !== undefined) {
    if (args.options.has('root')) throw usageError('--root and --image exclude each other');
    requireRoot();
    return withImage(image, { readOnly: true }, async (img) => print(img.root, image, json));
  }
  const root = args.options.get('root')?.at(-1) ?? '/';
  return print(root, root, json);
}

function print(root: string, shown: string, json: boolean): number {
  const target = openTarget(root, true);
  const list = listDrivers(target.fs);
  if (json) {
    process.stdout.write(`${JSON.stringify({ target: shown, os: target.os.prettyName, ...list }, null, 2)}\n`);
    return ExitCode.ok;
  }
  const out: string[] = [`${shown}: ${target.os.prettyName}; kernels ${list.kernels.join(', ') || '(none)'}; initramfs ${list.initramfsTool ?? '(no tool)'}`];
  if (!list.modules.length) out.push('no out-of-tree modules (nothing under /lib/modules/*/updates or extra)');
  for (const m of list.modules) {
    out.push(`${m.kernel}  ${m.name}${m.version ? ` ${m.version}` : ''}  ${m.path}${m.from ? `  (${m.from})` : ''}${m.loadAtBoot ? '  [load at boot]' : ''}`);
  }
  for (const d of list.dkms) out.push(`dkms ${d.name}/${d.version}: built for ${d.kernels.join(', ') || 'no installed kernel'}`);
  for (const a of list.added) out.push(`added ${a.addedAt}: ${a.what} (from ${a.source})`);
  process.stdout.write(`${out.join('\n')}\n`);
  return ExitCode.ok;
}
