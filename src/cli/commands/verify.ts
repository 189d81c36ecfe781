/**
 * `sysprep verify [--root DIR | --image FILE] [--json] [--fingerprints FILE] [--record]` (SPEC 9):
 * scan a target for the golden machine's identity, secrets, and keys or ids no package owns. Exit 0
 * clean, 1 findings (or files that could not be read), 2 bad input, 3 environment. Never writes to the
 * target, but with --record: take the fingerprints of a machine not yet sealed, and nothing else.
 */
import * as nodefs from 'node:fs';
import { ExitCode, SysprepError, usageError } from '../../model/errors.js';
import { PATHS } from '../../model/paths.js';
import { withImage } from '../../image/disk-image.js';
import { openTarget, requireRoot } from '../../seal/run.js';
import { AllowListError } from '../../verify/allow.js';
import { parseFingerprints, recordFingerprints, writeFingerprints, type FingerprintRecord } from '../../verify/fingerprints.js';
import { formatFinding, readAllowList, verdict, verifyTarget, type VerifyReport } from '../../verify/verify.js';
import { RootFs } from '../../rootfs/rootfs.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function verifyCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'verify', ['root', 'image', 'json', 'fingerprints', 'record']);
  if (args.positionals.length) throw usageError(`'sysprep verify' takes no argument '${args.positionals[0]}'`);
  const json = args.options.has('json');
  const image = args.options.get('image')?.at(-1);
  const fingerprints = args.options.get('fingerprints')?.at(-1);
  const record = args.options.has('record');
  if (record && fingerprints) throw usageError('--record writes the target\'s own record; --fingerprints reads another: give one');
  // a record from elsewhere is read (and checked) before anything else
  let given: FingerprintRecord | undefined;
  if (fingerprints !== undefined) {
    let text: string;
    try {
      text = nodefs.readFileSync(fingerprints, 'utf8');
    } catch (err) {
      throw new SysprepError('usage', `--fingerprints ${fingerprints}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      given = parseFingerprints(text, fingerprints);
    } catch (err) {
      throw new SysprepError('usage', `${(err as Error).message}; give the file sysprep wrote (${PATHS.fingerprints} of the machine before its seal)`);
    }
  }
  const run = (root: string) => (record ? recordOnly(root, json) : scan(root, given, json));
  if (image !== undefined) {
    if (args.options.has('root')) throw usageError('--root and --image exclude each other');
    requireRoot();
    return withImage(image, { readOnly: !record }, async (img) => run(img.root));
  }
  return run(args.options.get('root')?.at(-1) ?? '/');
}

function recordOnly(root: string, json: boolean): number {
  const target = openTarget(root, false);
  const rec = recordFingerprints(target.fs);
  writeFingerprints(target.fs, rec);
  const counts = countBy(rec.fingerprints.map((f) => f.what));
  if (json) process.stdout.write(`${JSON.stringify({ recorded: PATHS.fingerprints, fingerprints: rec.fingerprints.length, kinds: counts }, null, 2)}\n`);
  else process.stdout.write(`recorded ${rec.fingerprints.length} fingerprints in ${PATHS.fingerprints} (${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ')})\n`);
  return ExitCode.ok;
}

async function scan(root: string, given: FingerprintRecord | undefined, json: boolean): Promise<number> {
  const target = openTarget(root, true);
  const fs = target.fs;
  let own: FingerprintRecord | undefined;
  if (!given) {
    const text = fs.readText(PATHS.fingerprints);
    if (text !== undefined) {
      try {
        own = parseFingerprints(text, PATHS.fingerprints);
      } catch (err) {
        throw new SysprepError('usage', `${(err as Error).message}; remove it or record again with \`sysprep verify --record\``);
      }
    }
  }
  let allow;
  try {
    allow = readAllowList(fs);
  } catch (err) {
    if (err instanceof AllowListError) throw new SysprepError('usage', `${err.message}; nothing was scanned`);
    throw err;
  }
  const report = await verifyTarget(new RootFs(fs.root, { dryRun: true }), { record: given ?? own, allow });
  if (json) process.stdout.write(`${JSON.stringify({ root, ...report, verdict: verdict(report) }, null, 2)}\n`);
  else process.stdout.write(formatReport(report));
  return report.findings.length || report.unscanned ? ExitCode.fatal : ExitCode.ok;
}


function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x.replace(/:.*/, '')] = (out[x.replace(/:.*/, '')] ?? 0) + 1;
  return out;
}

/** The human report: a line a finding (path:place, severity, rule, message, fix), then the notes and the verdict. */
function formatReport(r: VerifyReport): string {
  const out: string[] = [];
  for (const f of r.findings) {
    out.push(formatFinding(f));
  }
  for (const n of r.notes) out.push(`${n.path}: note: ${n.message}`);
  out.push(`${verdict(r)} (${r.files} files, ${(r.bytes / 1048576).toFixed(0)} MiB, ${r.fingerprints ?? 'no'} fingerprints, in ${r.seconds} s)`);
  return `${out.join('\n')}\n`;
}
