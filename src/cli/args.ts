/**
 * Command-line parsing (SPEC 2). Options are case-insensitive and may be spelled the Windows way
 * (`/generalize`, `/unattend:F`, `/mode:vm`), with one dash, or GNU style (`--unattend F`,
 * `--unattend=F`, `--mode vm`). A token that starts with "/" but does not name a known option is a
 * path (so `sysprep unattend check /srv/unattend.xml` works).
 */
import { usageError } from '../model/errors.js';
import { AGENT_MODES, type AgentMode, type RunRequest } from '../model/request.js';

const isAgentMode = (w: string): w is AgentMode => (AGENT_MODES as readonly string[]).includes(w);

export interface OptionSpec {
  /** canonical name */
  name: string;
  aliases?: string[];
  takesValue?: boolean;
}

/** Every option the command line knows (also the bash completion: src/cli/completion.ts). */
export const OPTIONS: readonly OptionSpec[] = [
  { name: 'oobe' },
  { name: 'audit' },
  { name: 'generalize' },
  { name: 'mode', takesValue: true },
  { name: 'reboot' },
  { name: 'shutdown' },
  { name: 'quit' },
  { name: 'quiet', aliases: ['q'] },
  { name: 'unattend', takesValue: true },
  { name: 'root', takesValue: true },
  { name: 'image', takesValue: true },
  { name: 'dry-run', aliases: ['dryrun', 'n'] },
  { name: 'json' },
  { name: 'providers', aliases: ['operations'], takesValue: true },
  { name: 'keep-user-accounts', takesValue: true },
  { name: 'remove-user-accounts', takesValue: true },
  { name: 'pass', takesValue: true },
  { name: 'fingerprints', takesValue: true },
  { name: 'record' },
  { name: 'verify', takesValue: true },
  { name: 'agent', takesValue: true },
  { name: 'load-at-boot' },
  { name: 'help', aliases: ['h', '?'] },
  { name: 'version', aliases: ['v'] },
];

const BY_NAME = new Map<string, OptionSpec>();
for (const o of OPTIONS) for (const n of [o.name, ...(o.aliases ?? [])]) BY_NAME.set(n, o);

export interface ParsedArgs {
  /** canonical option name → values (flags get [""]) in order */
  options: Map<string, string[]>;
  positionals: string[];
  /** the options as spelled, upper-cased without prefix and value (for the log) */
  seen: string[];
}

export function tokenize(argv: readonly string[]): ParsedArgs {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  const seen: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    const m = /^(--|-|\/)([^=:]+)(?:[=:](.*))?$/s.exec(tok);
    if (tok === '--' ) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!m || tok === '-' ) {
      positionals.push(tok);
      continue;
    }
    const [, prefix, rawName, inlineValue] = m;
    const spec = BY_NAME.get(rawName!.toLowerCase());
    if (!spec) {
      if (prefix === '/') {
        positionals.push(tok); // a path, not an option
        continue;
      }
      throw usageError(`unknown option '${tok}'; run "sysprep --help" for the options`);
    }
    let value = '';
    if (spec.takesValue) {
      if (inlineValue !== undefined) value = inlineValue;
      else if (i + 1 < argv.length) value = argv[++i]!;
      else throw usageError(`option '${tok}' needs a value (${prefix}${spec.name}${prefix === '/' ? ':' : '='}VALUE)`);
      if (value === '') throw usageError(`option '${tok}' needs a non-empty value`);
    } else if (inlineValue !== undefined) {
      throw usageError(`option '${prefix}${rawName}' takes no value (got '${inlineValue}')`);
    }
    (options.get(spec.name) ?? options.set(spec.name, []).get(spec.name)!).push(value);
    seen.push(spec.name.toUpperCase() + (spec.name === 'mode' ? `:${value.toUpperCase()}` : ''));
  }
  return { options, positionals, seen };
}

/**
 * The run's command line: the request itself, and what only the command line needs around it.
 */
export interface RunArgs {
  request: RunRequest;
  /** --json: one JSON document on stdout */
  json: boolean;
  /** --image FILE: attached and mounted for the run; its root becomes `request.root` */
  image?: string;
}

/**
 * A command (one file in commands/, named in the dispatch table of main.ts): the options, and the
 * arguments after the words that name the command. It returns the exit code or throws a SysprepError.
 */
export type Command = (args: ParsedArgs) => Promise<number>;

const has = (a: ParsedArgs, name: string) => a.options.has(name);
const last = (a: ParsedArgs, name: string) => a.options.get(name)?.at(-1);

/** Options that belong to the main run and not to `state`, `providers`, … */
const RUN_ONLY = ['oobe', 'audit', 'generalize', 'mode', 'reboot', 'shutdown', 'quit', 'quiet', 'unattend', 'dry-run',
  'keep-user-accounts', 'remove-user-accounts', 'verify', 'agent'];

export function rejectOptions(a: ParsedArgs, command: string, allowed: string[]): void {
  for (const name of a.options.keys()) {
    if (!allowed.includes(name)) throw usageError(`'sysprep ${command}' does not take --${name}`);
  }
}

export function parseRunArgs(a: ParsedArgs): RunArgs {
  if (a.positionals.length) {
    throw usageError(`unexpected argument '${a.positionals[0]}'; run "sysprep --help" for the usage`);
  }
  rejectOptions(a, '/generalize …', [...RUN_ONLY, 'root', 'image', 'json', 'providers', 'help', 'version']);
  if (has(a, 'oobe') && has(a, 'audit')) throw usageError('/oobe and /audit exclude each other');
  const powers = (['reboot', 'shutdown', 'quit'] as const).filter((p) => has(a, p));
  if (powers.length > 1) throw usageError(`/${powers.join(', /')} exclude each other; choose one`);
  const root = last(a, 'root');
  const image = last(a, 'image');
  if (root !== undefined && image !== undefined) throw usageError('--root and --image exclude each other');
  if ((root !== undefined || image !== undefined) && powers[0] && powers[0] !== 'quit') {
    throw usageError(`/${powers[0]} works only on the running system; with --root or --image use /quit (the default)`);
  }
  let vm = false;
  if (has(a, 'mode')) {
    const mode = last(a, 'mode')!.toLowerCase();
    if (mode !== 'vm') throw usageError(`/mode:${last(a, 'mode')}: the only mode is vm (/mode:vm)`);
    if (has(a, 'audit')) throw usageError('/mode:vm cannot be used with /audit');
    if (has(a, 'unattend')) throw usageError('/mode:vm cannot be used with /unattend');
    if (!has(a, 'generalize') || !has(a, 'oobe')) throw usageError('/mode:vm needs /generalize and /oobe');
    vm = true;
  }
  const list = (name: string) => (a.options.get(name) ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const verify = list('verify').map((w) => w.toLowerCase());
  for (const w of verify) if (!['warn', 'fail', 'off', 'forget'].includes(w)) throw usageError(`--verify ${last(a, 'verify')}: '${w}' is none of warn, fail, off, forget (e.g. --verify fail,forget)`);
  const verifyModes = verify.filter((w) => w !== 'forget');
  if (new Set(verifyModes).size > 1) throw usageError(`--verify ${verifyModes.join(',')}: warn, fail and off exclude each other`);
  if (verify.length && !has(a, 'generalize')) throw usageError('--verify needs /generalize (the seal is verified)');
  const agent = (last(a, 'agent') ?? 'packed').toLowerCase();
  if (!isAgentMode(agent)) throw usageError(`--agent ${last(a, 'agent')}: choose packed (the default), full or none`);
  if (has(a, 'agent') && !has(a, 'generalize')) throw usageError('--agent needs /generalize (it says how the seal installs the first-boot agent)');
  const request: RunRequest = {
    mode: has(a, 'audit') ? 'audit' : 'oobe',
    generalize: has(a, 'generalize'),
    vm,
    power: powers[0] ?? 'quit',
    quiet: has(a, 'quiet'),
    dryRun: has(a, 'dry-run'),
    ...(has(a, 'unattend') ? { unattend: last(a, 'unattend')! } : {}),
    root: root ?? '/',
    providerLists: a.options.get('providers') ?? [],
    keepUserAccounts: list('keep-user-accounts'),
    removeUserAccounts: list('remove-user-accounts'),
    verify: (verifyModes[0] as RunRequest['verify'] | undefined) ?? 'warn',
    forgetFingerprints: verify.includes('forget'),
    agent,
    optionsSeen: a.seen,
  };
  return { request, json: has(a, 'json'), ...(image !== undefined ? { image } : {}) };
}
