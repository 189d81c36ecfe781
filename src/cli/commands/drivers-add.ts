/**
 * `sysprep drivers add [--root DIR | --image FILE] [--dry-run] [--json] [--load-at-boot] PATH…` (SPEC 11):
 * put driver packages, kernel modules, DKMS sources and firmware into a target with its own tools, as
 * DISM /Add-Driver services an offline Windows image. Every PATH is understood before the target is
 * touched (a missing or unusable one: exit 2, nothing changed); the work is src/system/drivers.ts.
 */
import * as path from 'node:path';
import { ExitCode, usageError } from '../../model/errors.js';
import { PATHS } from '../../model/paths.js';
import { withImage } from '../../image/disk-image.js';
import type { Change } from '../../rootfs/rootfs.js';
import { openTarget, requireRoot } from '../../seal/run.js';
import { addDrivers, checkAgainstTarget, classifyPath, type AddResult } from '../../system/drivers.js';
import { TargetLock } from '../../system/lock.js';
import { PantherLog } from '../../system/panther.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function driversAddCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'drivers add', ['root', 'image', 'dry-run', 'json', 'load-at-boot']);
  if (!args.positionals.length) throw usageError('usage: sysprep drivers add [--root DIR | --image FILE] [--dry-run] [--json] [--load-at-boot] PATH…');
  const image = args.options.get('image')?.at(-1);
  const root = args.options.get('root')?.at(-1);
  if (image !== undefined && root !== undefined) throw usageError('--root and --image exclude each other');
  const dryRun = args.options.has('dry-run');
  const json = args.options.has('json');
  const loadAtBoot = args.options.has('load-at-boot');
  // every PATH is understood before anything is attached or changed
  const classified = args.positionals.map((p) => classifyPath(path.resolve(p)));
  requireRoot();
  const work = (dir: string) => apply(dir, { dryRun, json, loadAtBoot, target: image ?? dir }, classified);
  if (image !== undefined) return withImage(image, { readOnly: dryRun }, async (img) => work(img.root));
  return work(root ?? '/');
}

function apply(root: string, o: { dryRun: boolean; json: boolean; loadAtBoot: boolean; target: string }, classified: ReturnType<typeof classifyPath>[]): number {
  const target = openTarget(root, o.dryRun);
  const { fs } = target;
  // refusals (a package format, a module's kernel, no dkms) before the lock: nothing changed
  checkAgainstTarget(fs, classified);
  const lock = new TargetLock(fs);
  lock.acquire();
  const log = new PantherLog(fs, PATHS.sysprepPanther, 'DRVADD');
  const changed: Change[] = [];
  let result: AddResult;
  try {
    log.open();
    log.info(`sysprep drivers add${o.dryRun ? ' (dry run)' : ''}: ${classified.map((c) => c.path).join(' ')}${o.loadAtBoot ? ' --load-at-boot' : ''}`);
    fs.setChangeListener((c) => {
      changed.push(c);
      log.info(`${c.action} ${c.path}${c.detail ? ` (${c.detail})` : ''}`);
    });
    result = addDrivers(fs, classified, { loadAtBoot: o.loadAtBoot, log });
    log.info(`sysprep drivers add: done, ${changed.length} paths ${o.dryRun ? 'would change' : 'changed'}`);
  } finally {
    fs.setChangeListener(undefined);
    log.close();
    lock.release();
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify({
      target: o.target, os: target.os.prettyName, dryRun: o.dryRun, succeeded: true, exitCode: 0, loadAtBoot: o.loadAtBoot,
      added: result.added, initramfs: result.initramfs, notes: result.notes, changed,
    }, null, 2)}\n`);
    return ExitCode.ok;
  }
  const verb = o.dryRun ? 'would add' : 'added';
  for (const a of result.added) process.stdout.write(`${verb} ${a.what}${a.kernels.length ? ` [${a.kernels.join(', ')}]` : ''} (from ${a.path})\n`);
  for (const k of result.initramfs) process.stdout.write(`${o.dryRun ? 'would rebuild' : 'rebuilt'} the initramfs of ${k}\n`);
  for (const n of result.notes) process.stdout.write(`note: ${n}\n`);
  process.stdout.write(`${changed.length} paths ${o.dryRun ? 'would change' : 'changed'} in ${o.target} (listed in ${PATHS.sysprepPanther}/setupact.log${o.dryRun ? ' of a real run' : ''}; --json lists them)\n`);
  return ExitCode.ok;
}
