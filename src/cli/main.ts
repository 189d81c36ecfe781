/**
 * The thin command line: parse, dispatch, and the one place errors become exit codes.
 */
import * as fs from 'node:fs';
import { describeError, ExitCode, SysprepError, usageError } from '../model/errors.js';
import { openTarget, requireRoot, runSysprep } from '../seal/run.js';
import { allProviders, BUILT_IN_PROVIDERS } from '../providers/index.js';
import { planProviders } from '../providers/selection.js';
import { PantherLog } from '../system/panther.js';
import { diff, snapshot } from '../system/tree.js';
import { PATHS } from '../model/paths.js';
import { PROVIDER_PASSES } from '../model/passes.js';
import { appliesTo, compareProviders, providerContext, runOptions } from '../providers/api.js';
import { selectProviders } from '../providers/selection.js';
import { parseIni, readImageState, readInstallRecord, readProgress } from '../system/state.js';
import { TargetLock } from '../system/lock.js';
import { VERSION } from '../model/version.js';
import { parseRunArgs, ParsedArgs, rejectOptions, tokenize } from './args.js';
import { helpText } from './help.js';
import { withImage } from '../image/disk-image.js';
import { printSummary, progressObserver } from './output.js';

export async function main(argv: readonly string[]): Promise<number> {
  let json = argv.some((a) => /^(--|-|\/)json$/i.test(a));
  try {
    if (argv.length === 0) return await noArguments();
    const args = tokenize(argv);
    json = args.options.has('json');
    if (args.options.has('help')) {
      process.stdout.write(helpText());
      return ExitCode.ok;
    }
    if (args.options.has('version')) {
      process.stdout.write(`sysprep ${VERSION}\n`);
      return ExitCode.ok;
    }
    // `sysprep` alone (or with only --root) on a terminal opens the dialog for that target
    if (!args.positionals.length && [...args.options.keys()].every((k) => k === 'root')) {
      return await noArguments(args.options.get('root')?.at(-1));
    }
    const [command, ...rest] = args.positionals;
    switch (command?.toLowerCase()) {
      case 'state':
        return await stateCommand({ ...args, positionals: rest });
      case 'providers':
        return await providersCommand({ ...args, positionals: rest });
      case 'unattend': {
        const [sub, file, ...extra] = rest;
        if (sub?.toLowerCase() !== 'check' || !file || extra.length) {
          throw usageError('usage: sysprep unattend check FILE [--json]');
        }
        rejectOptions(args, 'unattend check', ['json']);
        const { unattendCheckCommand } = await import('./unattend-check.js');
        return await unattendCheckCommand(file, args.options.has('json'));
      }
      case 'agent': {
        // the first-boot agent's phases, started by its systemd units inside a clone
        const { agentMain } = await import('../firstboot/agent.js');
        return await agentMain(rest, async (o) => (await import('./dialog.js')).runDialog(o));
      }
      case 'rearm':
        return rearmCommand({ ...args, positionals: rest });
      case 'help':
        process.stdout.write(helpText());
        return ExitCode.ok;
      default:
        return await runCommand(args);
    }
  } catch (err) {
    return reportError(err, json);
  }
}

function reportError(err: unknown, json: boolean): number {
  const code = err instanceof SysprepError ? err.exitCode : ExitCode.fatal;
  const message = err instanceof SysprepError ? err.message : `internal error: ${describeError(err)}`;
  process.stderr.write(`sysprep: ${message}\n`);
  if (!(err instanceof SysprepError) && process.env.SYSPREP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  if (json) process.stdout.write(JSON.stringify({ succeeded: false, exitCode: code, error: message }, null, 2) + '\n');
  return code;
}

async function noArguments(root?: string): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(helpText(true));
    return ExitCode.usage;
  }
  const { runDialog } = await import('./dialog.js');
  // the dialog's answer is a command line: OK runs exactly what that command line would
  const choice = await runDialog({ target: root ?? '/', offline: root !== undefined });
  if (!choice) {
    process.stdout.write('Cancelled; nothing was changed.\n');
    return ExitCode.ok;
  }
  return runCommand(tokenize(root !== undefined ? [...choice, '--root', root] : choice));
}

async function runCommand(args: ParsedArgs): Promise<number> {
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

async function stateCommand(args: ParsedArgs): Promise<number> {
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

function providersCommand(args: ParsedArgs): Promise<number> | number {
  if (args.positionals[0]?.toLowerCase() === 'test') return providerTestCommand({ ...args, positionals: args.positionals.slice(1) });
  rejectOptions(args, 'providers', ['root', 'json', 'providers']);
  if (args.positionals.length) throw usageError(`'sysprep providers' takes no argument '${args.positionals[0]}' (or: sysprep providers test ID --root DIR)`);
  const root = args.options.get('root')?.at(-1);
  const target = openTarget(root ?? '/', true);
  const all = allProviders(target.fs);
  const selected = selectProviders(all, args.options.get('providers') ?? []);
  const rows = [...all]
    .sort((a, b) => PROVIDER_PASSES.indexOf(a.pass) - PROVIDER_PASSES.indexOf(b.pass) || compareProviders(a, b))
    .map((p) => ({
      id: p.id,
      pass: p.pass,
      order: p.order ?? 0,
      source: p.source ?? 'built-in',
      defaultEnabled: p.defaultEnabled,
      enabled: selected.has(p.id),
      families: p.families ?? ['all'],
      appliesToTarget: appliesTo(p, target),
      summary: p.summary,
    }));
  if (args.options.has('json')) {
    process.stdout.write(JSON.stringify({ target: root ?? '/', providers: rows }, null, 2) + '\n');
    return ExitCode.ok;
  }
  for (const r of rows) {
    const flag = r.enabled ? '*' : ' ';
    const notes = [r.appliesToTarget ? '' : 'not for this target', r.source === 'built-in' ? '' : `from ${r.source}, order ${r.order}`].filter(Boolean);
    process.stdout.write(`${flag} ${r.id.padEnd(24)} ${r.pass.padEnd(10)} ${r.summary}${notes.length ? ` (${notes.join('; ')})` : ''}\n`);
  }
  const external = rows.filter((r) => r.source !== 'built-in').length;
  process.stdout.write(`\n* = enabled (the defaults, or what --providers selects). ${rows.length - external} built-in, ${external} registered.\n`);
  return ExitCode.ok;
}

/**
 * `sysprep providers test ID --root DIR [--pass P] [--json]`: run one provider against a root (a
 * scratch copy: it changes it for real) and show what it changed as a file-tree diff — the fourth
 * step of Windows' provider procedure ("test the provider, review the logs").
 */
async function providerTestCommand(args: ParsedArgs): Promise<number> {
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

/** After a deliberate OS upgrade: record the image's current OS version as the one sysprep is armed for. */
function rearmCommand(args: ParsedArgs): number {
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

// used by the tests: the plan for a request, without a target
export { planProviders };

if (import.meta.url === `file://${fs.realpathSync(process.argv[1] ?? '')}`) {
  process.exitCode = await main(process.argv.slice(2));
}
