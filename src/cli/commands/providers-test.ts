/**
 * `sysprep providers test ID --root DIR [--pass P] [--json]`: run one provider against a root (a
 * scratch copy: it changes it for real) and show what it changed as a file-tree diff — the fourth
 * step of Windows' provider procedure ("test the provider, review the logs").
 */
import { describeError, ExitCode, usageError } from '../../model/errors.js';
import { PROVIDER_PASSES } from '../../model/passes.js';
import { providerContext, runOptions } from '../../providers/api.js';
import { allProviders } from '../../providers/index.js';
import { openTarget, requireRoot } from '../../seal/run.js';
import { PantherLog } from '../../system/panther.js';
import { diff, snapshot } from '../../system/tree.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

export async function providersTestCommand(args: ParsedArgs): Promise<number> {
  rejectOptions(args, 'providers test', ['root', 'json', 'pass']);
  const [id, ...extra] = args.positionals;
  if (!id || extra.length) throw usageError('usage: sysprep providers test ID --root DIR [--pass cleanup|generalize|specialize] [--json]');
  const root = args.options.get('root')?.at(-1);
  if (root === undefined) throw usageError('sysprep providers test needs --root DIR (a scratch copy of an image: it is changed for real)');
  const pass = args.options.get('pass')?.at(-1);
  if (pass !== undefined && !(PROVIDER_PASSES as readonly string[]).includes(pass)) throw usageError(`--pass ${pass}: one of ${PROVIDER_PASSES.join(', ')}`);
  requireRoot();
  const target = openTarget(root, false);
  const candidates = allProviders(target.fs).filter((p) => p.id === id && (pass === undefined || p.pass === pass));
  if (!candidates.length) throw usageError(`no provider "${id}"${pass ? ` with a ${pass} entry point` : ''}; run "sysprep providers --root ${root}"`);
  if (candidates.length > 1) throw usageError(`provider "${id}" has entry points in ${candidates.map((p) => p.pass).join(', ')}: choose one with --pass`);
  const provider = candidates[0]!;
  const log = new PantherLog(undefined, undefined);
  const notes: string[] = [];
  const ctx = providerContext(provider, { fs: target.fs, target, log }, runOptions({ generalize: provider.pass === 'generalize' }), (m) => notes.push(m));
  const before = snapshot(target.fs.root);
  let status: 'done' | 'refused' | 'failed' = 'done';
  let error: string | undefined;
  try {
    await provider.validate?.(ctx);
  } catch (err) {
    status = 'refused';
    error = describeError(err);
  }
  if (status === 'done') {
    try {
      await provider.run(ctx);
    } catch (err) {
      status = 'failed';
      error = describeError(err);
    }
  }
  const d = diff(before, snapshot(target.fs.root));
  const result = { provider: id, pass: provider.pass, source: provider.source ?? 'built-in', status, error: error ?? null, notes, ...d,
    log: log.lines.map((l) => `${l.level}: ${l.message}`) };
  if (args.options.has('json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    process.stdout.write(`${id} (${provider.pass}, ${result.source}): ${status}${error ? `: ${error}` : ''}\n`);
    for (const l of result.log) process.stdout.write(`  log ${l}\n`);
    for (const p of d.removed) process.stdout.write(`  - ${p}\n`);
    for (const p of d.added) process.stdout.write(`  + ${p}\n`);
    for (const p of d.changed) process.stdout.write(`  ~ ${p}\n`);
    process.stdout.write(`${d.removed.length} removed, ${d.added.length} added, ${d.changed.length} changed\n`);
  }
  return status === 'done' ? ExitCode.ok : status === 'refused' ? ExitCode.validation : ExitCode.fatal;
}
