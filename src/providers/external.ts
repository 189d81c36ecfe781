/**
 * External providers (SPEC 7): JSON descriptors that vendors ship in /usr/lib/sysprep/providers.d/
 * and administrators put in /etc/sysprep/providers.d/ (a file of the same name there overrides the
 * vendor's), the Linux form of Windows' SysPrepExternal registry keys:
 *
 *   { "id": "acme-agent", "description": "…", "order": 100,
 *     "cleanup": [argv…], "generalize": [argv…], "specialize": [argv…], "validate": [argv…],
 *     "timeout": 300 }
 *
 * The commands run inside the target: chrooted (with /proc, /sys and /dev mounted) when it is an
 * offline root, directly on a running system and at first boot. Their environment carries
 * SYSPREP_PASS, SYSPREP_MODE, SYSPREP_VM, SYSPREP_DRY_RUN and SYSPREP_LOG; their output goes to the
 * pass's log under the provider's id. Exit 0 is done; anything else, or running past the timeout, is
 * fatal (for validate: the run is refused).
 */
import { spawn } from 'node:child_process';
import { chrootMounts, inTarget } from '../system/chroot.js';
import { RootFs } from '../rootfs/rootfs.js';
import { SysprepError } from '../model/errors.js';
import { PATHS, PROVIDER_ENV, SAFE_PATH, SYSPREP_LIB } from '../model/paths.js';
import { PROVIDER_PASSES, type ProviderPass } from '../model/passes.js';
import { Provider, ProviderContext } from './api.js';
import { diff, foreignMounts, recordDiff, snapshot, Tree } from '../system/tree.js';

export const DEFAULT_TIMEOUT_SECONDS = 600;
const FIELDS = new Set(['id', 'description', 'order', 'cleanup', 'generalize', 'specialize', 'validate', 'timeout', 'defaultEnabled']);

export interface Descriptor {
  id: string;
  description: string;
  order: number;
  commands: Partial<Record<ProviderPass, string[]>>;
  validate?: string[];
  timeout: number;
  defaultEnabled: boolean;
  /** the descriptor file, in the target */
  file: string;
}

function bad(file: string, field: string, message: string): SysprepError {
  return new SysprepError('usage', `provider descriptor ${file}: "${field}" ${message}; no provider was run`);
}

function argv(file: string, field: string, v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.length > 0)) {
    throw bad(file, field, 'must be a non-empty array of non-empty strings (the command and its arguments)');
  }
  if (!(v[0] as string).startsWith('/')) throw bad(file, field, `must start with an absolute path to the program (got "${v[0]}")`);
  return v as string[];
}

/** Parse and check one descriptor (file is its path in the target, for messages). */
export function parseDescriptor(text: string, file: string, builtInIds: ReadonlySet<string>): Descriptor {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SysprepError('usage', `provider descriptor ${file}: not valid JSON (${(err as Error).message}); no provider was run`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SysprepError('usage', `provider descriptor ${file}: must be a JSON object; no provider was run`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) throw bad(file, k, `is not a descriptor field (fields: ${[...FIELDS].join(', ')})`);
  if (typeof o.id !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,62}$/.test(o.id)) {
    throw bad(file, 'id', 'must be a lower-case name of letters, digits, ".", "_" and "-"');
  }
  if (builtInIds.has(o.id)) throw bad(file, 'id', `"${o.id}" is the name of a built-in provider; choose another`);
  if (o.description !== undefined && typeof o.description !== 'string') throw bad(file, 'description', 'must be a string');
  if (o.order !== undefined && (typeof o.order !== 'number' || !Number.isInteger(o.order))) throw bad(file, 'order', 'must be an integer');
  if (o.timeout !== undefined && (typeof o.timeout !== 'number' || !(o.timeout > 0) || o.timeout > 86400)) {
    throw bad(file, 'timeout', 'must be a number of seconds between 1 and 86400');
  }
  if (o.defaultEnabled !== undefined && typeof o.defaultEnabled !== 'boolean') throw bad(file, 'defaultEnabled', 'must be true or false');
  const commands: Partial<Record<ProviderPass, string[]>> = {};
  for (const pass of PROVIDER_PASSES) if (o[pass] !== undefined) commands[pass] = argv(file, pass, o[pass]);
  if (!Object.keys(commands).length) throw bad(file, 'cleanup', 'or "generalize" or "specialize" is needed: a provider needs an entry point');
  return {
    id: o.id,
    description: (o.description as string | undefined)?.split('\n')[0] ?? `external provider ${o.id}`,
    order: (o.order as number | undefined) ?? 0,
    commands,
    ...(o.validate !== undefined ? { validate: argv(file, 'validate', o.validate) } : {}),
    timeout: (o.timeout as number | undefined) ?? DEFAULT_TIMEOUT_SECONDS,
    defaultEnabled: (o.defaultEnabled as boolean | undefined) ?? true,
    file,
  };
}

/** Every registered descriptor of a target (vendor first, an admin file of the same name wins). */
export function loadDescriptors(fs: RootFs, builtInIds: ReadonlySet<string>): Descriptor[] {
  const files = new Map<string, string>();
  for (const dir of [PATHS.vendorProviders, PATHS.adminProviders]) {
    for (const name of fs.list(dir).sort()) if (name.endsWith('.json')) files.set(name, `${dir}/${name}`);
  }
  const out: Descriptor[] = [];
  const seen = new Map<string, string>();
  for (const file of [...files.values()].sort()) {
    const text = fs.readText(file);
    if (text === undefined) continue;
    const d = parseDescriptor(text, file, builtInIds);
    if (seen.has(d.id)) throw bad(file, 'id', `"${d.id}" is also the id of ${seen.get(d.id)}`);
    seen.set(d.id, file);
    out.push(d);
  }
  return out;
}

/** The providers a descriptor contributes: one per pass it has an entry point for. */
export function descriptorProviders(d: Descriptor): Provider[] {
  const passes = PROVIDER_PASSES.filter((p) => d.commands[p]);
  return passes.map((pass, i) => ({
    id: d.id,
    summary: d.description,
    pass,
    order: d.order,
    defaultEnabled: d.defaultEnabled,
    source: d.file,
    external: { command: d.commands[pass]!, timeout: d.timeout },
    // the validate entry point runs once, before anything changes
    ...(d.validate && i === 0 ? { validate: (ctx: ProviderContext) => runExternal(ctx, d, 'validate', d.validate!) } : {}),
    run: (ctx: ProviderContext) => runExternal(ctx, d, pass, d.commands[pass]!),
  }));
}

export function loadExternalProviders(fs: RootFs, builtInIds: ReadonlySet<string>): Provider[] {
  return loadDescriptors(fs, builtInIds).flatMap(descriptorProviders);
}

// ------------------------------------------------------------------------------------------------
// running a command inside the target

async function runExternal(ctx: ProviderContext, d: Descriptor, what: ProviderPass | 'validate', command: string[]): Promise<void> {
  const pass = what === 'validate' ? 'validate' : what;
  const logFile = `${pass === 'specialize' ? PATHS.firstBootPanther : PATHS.sysprepPanther}/setupact.log`;
  const env: NodeJS.ProcessEnv = {
    PATH: SAFE_PATH,
    LANG: 'C.UTF-8',
    HOME: '/root',
    [PROVIDER_ENV.pass]: pass,
    [PROVIDER_ENV.mode]: ctx.options.mode,
    [PROVIDER_ENV.vm]: ctx.options.vm ? '1' : '0',
    [PROVIDER_ENV.dryRun]: ctx.options.dryRun ? '1' : '0',
    [PROVIDER_ENV.log]: logFile,
    [PROVIDER_ENV.provider]: d.id,
  };
  const offline = ctx.fs.root !== '/';
  const full = inTarget(ctx.fs, command);
  // What the command changes is only known by looking: the tree before and after, so every changed
  // path is in the log and the report (SPEC 8) whether or not the vendor's program says so.
  const before = what === 'validate' ? undefined : targetTree(ctx.fs);
  const mounts = offline ? chrootMounts(ctx.fs.root) : undefined;
  mounts?.acquire();
  ctx.log.info(`${d.id}: ${what} entry point: ${command.join(' ')}${offline ? ' (chrooted)' : ''}, timeout ${d.timeout} s`);
  try {
    const { code, signal, timedOut } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve, reject) => {
      const child = spawn(full[0]!, full.slice(1), { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        // the whole process group: a script's children go too
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch { /* gone */ }
        killTimer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch { /* gone */ }
        }, 5000);
      }, d.timeout * 1000);
      const relay = (stream: NodeJS.ReadableStream, level: 'info' | 'warn') => {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          rest += chunk;
          const lines = rest.split('\n');
          rest = lines.pop()!;
          for (const l of lines) ctx.log[level](`${d.id}: ${l}`);
        });
        stream.on('end', () => {
          if (rest) ctx.log[level](`${d.id}: ${rest}`);
        });
      };
      relay(child.stdout!, 'info');
      relay(child.stderr!, 'info');
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${d.id}: cannot run ${command[0]}: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        resolve({ code, signal, timedOut });
      });
    });
    if (timedOut) throw new Error(`${d.id}: ${what} entry point did not finish within ${d.timeout} s and was stopped`);
    if (code !== 0) throw new Error(`${d.id}: ${what} entry point ${command[0]} failed with exit code ${code ?? `signal ${signal}`}`);
    ctx.log.info(`${d.id}: ${what} entry point finished (exit 0)`);
  } finally {
    mounts?.release();
    if (before) recordTreeChanges(ctx, before, d.id);
  }
}

function targetTree(fs: RootFs): Tree {
  return snapshot(fs.root, { skip: foreignMounts(fs.root) });
}

/** sysprep's own records (progress, logs) change during every provider; they are not the provider's doing. */
const isSysprepRecord = (p: string) => p === SYSPREP_LIB || p.startsWith(`${SYSPREP_LIB}/`);

function recordTreeChanges(ctx: ProviderContext, before: Tree, id: string): void {
  recordDiff(ctx.fs, diff(before, targetTree(ctx.fs), isSysprepRecord), ctx.fs.root === '/' ? `while ${id} ran` : `by ${id}`);
}
