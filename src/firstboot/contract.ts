/**
 * The contract between the planner (TypeScript) and the first-boot runner (bash, runner.bash):
 *
 * - **the operation table** `OPS`: every `op_*` function of the runner with its argument names, which
 *   are optional and which repeat. The planner and the agent build every step through it (a wrong op
 *   name or argument count does not compile); the runner gets the same table, generated, and refuses
 *   a step whose op or argument count is not in it; a test parses the runner's `op_*() { # ARGS` lines
 *   and fails when the two differ.
 * - **the record format** of plans, the host-keys plan and the FirstLogonCommands file: data the runner
 *   *reads* (`read -r -d ''`), never code it sources. A file is a header field, then records; a record
 *   is KIND, COUNT, then COUNT fields; every field ends with a NUL byte. Answer-file values cannot hold
 *   a NUL (XML 1.0 forbids it), so any value travels byte for byte.
 * - **the runner's constants**, rendered from src/model/ (paths, markers, image states, the provider
 *   environment, the op table) into the generated block of runner.bash (`renderRunnerConstants`).
 */
import { IMAGE_STATES } from '../model/image-state.js';
import { AGENT, AGENT_BUNDLE, AGENT_DIR, CONSOLE_GETTYS, DISK_RUNTIME_DIR, FIRSTBOOT, FIRSTBOOT_CONF, FIRSTBOOT_LIMITS, MARKERS, PATHS, PROVIDER_ENV, SAFE_PATH } from '../model/paths.js';
import { CLOUD_DMI_RULES, CONFIG_DRIVES, CREDENTIAL_NAME, DMI_DIR, PER_CLONE_TAKEN, PROBE_SKIP_MAJORS, SYSTEM_CREDENTIALS_DIR } from '../model/per-clone.js';

// ------------------------------------------------------------------------------------------------
// the operation table

export interface OpSpec {
  /** required arguments, in order */
  readonly args: readonly string[];
  /** optional arguments after them (the runner gives them a default) */
  readonly optional?: readonly string[];
  /** a group of arguments repeated after the fixed ones (zero or more times, or at least once with `restMin: 1`) */
  readonly rest?: readonly string[];
  readonly restMin?: 0 | 1;
  /**
   * Run again after a power loss, it leaves the same result (it writes what it writes again, checks
   * before it creates): its step's record need not reach the disk before the next step starts (one
   * sync at the phase's state change covers it). A step of any other op (a command, the agent, a
   * question answered on the console) is recorded on the disk before the next one starts, so that it
   * is never done twice.
   */
  readonly repeatable?: true;
}

/** Every operation of the runner (runner.bash, `op_NAME() { # ARGS`): what a plan step may call. */
export const OPS = {
  op_log: { args: ['level', 'message'], repeatable: true },
  op_set_state: { args: ['state'], repeatable: true },
  op_hostname: { args: ['name', 'why'], repeatable: true },
  op_hostname_generated: { args: ['prefix', 'why'] },
  op_chassis: { args: ['chassis', 'why'], repeatable: true },
  op_timezone: { args: ['iana', 'why'], repeatable: true },
  op_locale: { args: ['locale', 'why'], optional: ['language', 'compiled'], repeatable: true },
  op_keyboard: { args: ['layout', 'variant', 'why'], repeatable: true },
  op_account: { args: ['name', 'full-name', 'groups'], repeatable: true },
  op_passwords: { args: [], rest: ['user', 'password'], repeatable: true },
  op_first_user: { args: ['name', 'full-name', 'groups'] },
  op_autologon: { args: ['user', 'count'], repeatable: true },
  op_first_logon_commands: { args: [], rest: ['order', 'description', 'command'], repeatable: true },
  op_copy_profile: { args: [], repeatable: true },
  op_write_file: { args: ['path', 'mode', 'content'], repeatable: true },
  op_run_sync: { args: ['pass', 'order', 'willreboot', 'label', 'command'], optional: ['user'] },
  op_run_async: { args: ['pass', 'order', 'label', 'command'], optional: ['user'] },
  op_external: { args: ['id', 'source', 'timeout', 'mode', 'command'], rest: ['args'] },
  op_wait_host_keys: { args: [] },
  op_agent: { args: [], rest: ['args'], restMin: 1 },
  op_install_cache: { args: ['file', 'message'], repeatable: true },
  op_power: { args: ['action', 'why'] },
  op_logon_pending: { args: [], repeatable: true },
  op_interactive_oobe: { args: [], rest: ['page'], restMin: 1 },
  op_generalize: { args: ['mode', 'shutdown'] },
} as const satisfies Record<`op_${string}`, OpSpec>;

export type OpName = keyof typeof OPS;
type Spec<O extends OpName> = (typeof OPS)[O];
type Strings<T extends readonly unknown[]> = { -readonly [K in keyof T]: string };
type Leading<T> = T extends readonly [unknown, ...infer R] ? [] | [string, ...Leading<R>] : [];
type Fixed<O extends OpName> = Strings<Spec<O>['args']>;
type Optional<O extends OpName> = Spec<O> extends { optional: infer T } ? Leading<T> : [];
type Rest<O extends OpName> = Spec<O> extends { restMin: 1 } ? [string, ...string[]] : Spec<O> extends { rest: readonly string[] } ? string[] : [];
/** The arguments of an operation, as the table names them: `OpArgs<'op_hostname'>` is `[name, why]`. */
export type OpArgs<O extends OpName> = [...Fixed<O>, ...Optional<O>, ...Rest<O>];

export const isOpName = (s: string): s is OpName => Object.hasOwn(OPS, s);

/** The argument counts an op takes: at least `min`, at most `max` (-1: no limit), extra arguments in groups of `group`. */
export function opArity(op: OpName): { min: number; max: number; group: number } {
  const s: OpSpec = OPS[op];
  const fixed = s.args.length;
  if (s.rest) return { min: fixed + (s.restMin ? s.rest.length : 0), max: -1, group: s.rest.length };
  return { min: fixed, max: fixed + (s.optional?.length ?? 0), group: 1 };
}

/** Does this argument count fit the op (the runner checks the same, from the generated table)? */
export function arityFits(op: OpName, count: number): boolean {
  const { min, max, group } = opArity(op);
  if (count < min) return false;
  if (max >= 0) return count <= max;
  return (count - min) % group === 0;
}

/** The signature comment the runner's `op_*() { #` line carries for an op: `NAME WHY [LANGUAGE] [A B]...`. */
export function signatureOf(op: OpName): string {
  const s: OpSpec = OPS[op];
  const up = (n: string) => n.toUpperCase();
  const words = [...s.args.map(up), ...(s.optional ?? []).map((n) => `[${up(n)}]`)];
  if (s.rest) {
    const names = s.rest.map(up).join(' ');
    words.push(s.restMin ? `${names}...` : s.rest.length === 1 ? `[${names}...]` : `[${names}]...`);
  }
  return words.join(' ');
}

/**
 * Parse a signature comment (the text after `op_x() { #`, up to a `:` or `(`) into a spec; undefined
 * when the text is not one. Forms: `NAME`, `[NAME]` (optional), `NAME...` (one or more), `[NAME...]`
 * (zero or more), `[NAME NAME]...` (a group, zero or more).
 */
export function parseSignature(comment: string): OpSpec | undefined {
  const sig = comment.split(/[:(]/, 1)[0]!.trim();
  const args: string[] = [];
  const optional: string[] = [];
  let rest: string[] | undefined;
  let restMin: 0 | 1 = 0;
  const re = /\[([A-Z][A-Z0-9_-]*(?: [A-Z][A-Z0-9_-]*)*)(\.\.\.)?\](\.\.\.)?|([A-Z][A-Z0-9_-]*)(\.\.\.)?|(\S+)/g;
  for (const m of sig.matchAll(re)) {
    if (m[6] !== undefined || rest) return undefined; // not a name, or anything after the repeated group
    const lower = (n: string) => n.toLowerCase();
    if (m[1] !== undefined) {
      const names = m[1].split(' ').map(lower);
      if (m[2] || m[3]) rest = names;
      else if (names.length === 1) optional.push(names[0]!);
      else return undefined;
    } else if (m[5]) {
      rest = [lower(m[4]!)];
      restMin = 1;
    } else {
      if (optional.length) return undefined;
      args.push(lower(m[4]!));
    }
  }
  return { args, ...(optional.length ? { optional } : {}), ...(rest ? { rest, ...(restMin ? { restMin } : {}) } : {}) };
}

/** Two specs name the same arguments (names compared without case, `-` and `_`). */
export function sameSpec(a: OpSpec, b: OpSpec): boolean {
  const n = (xs: readonly string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase().replace(/[-_]/g, '')).join(' ');
  return n(a.args) === n(b.args) && n(a.optional) === n(b.optional) && n(a.rest) === n(b.rest) && (a.restMin ?? 0) === (b.restMin ?? 0);
}

// ------------------------------------------------------------------------------------------------
// records: the files the runner reads

/** The header field of each kind of file the runner reads. */
export const FORMATS = {
  plan: 'sysprep-plan 1',
  hostKeys: 'sysprep-host-keys 1',
  firstLogon: 'sysprep-first-logon 1',
} as const;

/** A step id is written to firstboot.steps as a word: no blanks, no control characters. */
export const STEP_ID = /^[^\s\x00-\x1f\x7f]{1,200}$/;

/** A file of records: the header field, then for each record KIND, COUNT and the fields, each ending with NUL. */
export function encodeRecords(header: string, records: readonly (readonly [kind: string, ...fields: string[]])[]): Buffer {
  const out: string[] = [header];
  for (const [kind, ...fields] of records) out.push(kind, String(fields.length), ...fields);
  for (const f of out) {
    if (f.includes('\0')) throw new Error(`a plan field cannot hold a NUL byte: ${JSON.stringify(f.slice(0, 40))}`);
  }
  return Buffer.from(out.map((f) => `${f}\0`).join(''), 'utf8');
}

/** The inverse of encodeRecords (for tests and `sysprep agent show-plan`); throws on a malformed file. */
export function decodeRecords(header: string, bytes: Buffer | string): [kind: string, ...fields: string[]][] {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  if (!text.endsWith('\0')) throw new Error('truncated: the last field does not end with NUL');
  const fields = text.slice(0, -1).split('\0');
  if (fields[0] !== header) throw new Error(`not a "${header}" file (header "${fields[0]?.slice(0, 40)}")`);
  const out: [string, ...string[]][] = [];
  for (let i = 1; i < fields.length;) {
    const kind = fields[i]!;
    const count = Number(fields[i + 1]);
    if (!/^[0-9]{1,6}$/.test(fields[i + 1] ?? '') || i + 2 + count > fields.length) throw new Error(`bad record at field ${i}`);
    out.push([kind, ...fields.slice(i + 2, i + 2 + count)]);
    i += 2 + count;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// the runner's constants

const q = (s: string) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export const CONSTANTS_BEGIN = '# --- BEGIN GENERATED CONSTANTS ---';
export const CONSTANTS_END = '# --- END GENERATED CONSTANTS ---';

/** The bash variables of the runner, each from the model. */
export function runnerConstants(): [name: string, value: string][] {
  return [
    ['AGENT_DIR', AGENT_DIR],
    ['NODE_AGENT', AGENT],
    ['AGENT_BUNDLE', AGENT_BUNDLE],
    ['DISK_RUNTIME', DISK_RUNTIME_DIR],
    ['FIRSTBOOT', FIRSTBOOT],
    ['STATE_DIR', PATHS.stateDir],
    ['STATE_INI', PATHS.stateIni],
    ['PLAN_DIR', PATHS.planDir],
    ['STEPS', MARKERS.steps],
    ['CACHE', PATHS.cachedUnattend],
    ['PANTHER', PATHS.firstBootPanther],
    ['UNATTEND_GC', PATHS.unattendGc],
    ['SPECIALIZE_MARKER', MARKERS.specializeInProgress],
    ['OOBE_MARKER', MARKERS.oobeInProgress],
    ['LOGON_PENDING', MARKERS.logonPending],
    ['HOST_KEYS_PENDING', MARKERS.hostKeysPending],
    ['HOST_KEYS_DONE', MARKERS.hostKeysDone],
    ['AUTOLOGON', MARKERS.autologon],
    ['FIRST_LOGON', MARKERS.firstLogonCommands],
    ['PRESET_GUARD', PATHS.presetGuard],
    ['SAFE_PATH', SAFE_PATH],
    ['FIRSTBOOT_CONF', FIRSTBOOT_CONF],
    ['RETRY_CAP', String(FIRSTBOOT_LIMITS.retryCap)],
    ['RUN_SYNC_TIMEOUT_DEFAULT', String(FIRSTBOOT_LIMITS.runSyncTimeoutSeconds)],
    ...IMAGE_STATES.map((s): [string, string] => [s.replace(/^IMAGE_/, ''), s]),
    ...Object.entries(PROVIDER_ENV).map(([k, v]): [string, string] => [`ENV_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, v]),
    ['SYSTEM_CREDENTIALS', SYSTEM_CREDENTIALS_DIR],
    ['CREDENTIAL_NAME', CREDENTIAL_NAME],
    ['PER_CLONE_TAKEN', PER_CLONE_TAKEN],
    ['DMI_DIR', DMI_DIR],
    ['PLAN_FORMAT', FORMATS.plan],
    ['HOST_KEYS_FORMAT', FORMATS.hostKeys],
    ['FIRST_LOGON_FORMAT', FORMATS.firstLogon],
  ];
}

/** The generated block of runner.bash, markers included. */
export function renderRunnerConstants(): string {
  const vars = runnerConstants();
  const ops = (Object.keys(OPS) as OpName[]).map((op) => {
    const { min, max, group } = opArity(op);
    return `  [${op}]='${min} ${max} ${group} ${'repeatable' in OPS[op] ? 1 : 0}'`;
  });
  return [
    CONSTANTS_BEGIN,
    '# shellcheck disable=SC2034 # not every name is used by the runner itself',
    'readonly \\',
    ...vars.map(([k, v], i) => `  ${k}=${q(v)}${i < vars.length - 1 ? ' \\' : ''}`),
    `readonly CONSOLE_GETTYS=(${CONSOLE_GETTYS.map(q).join(' ')})`,
    '# per-clone answer files (SPEC 10): config drives\' labels, and "CLOUD FILE OP VALUE" rules on DMI',
    `readonly CONFIG_DRIVE_LABELS=(${CONFIG_DRIVES.flatMap((c) => c.labels).map(q).join(' ')})`,
    `readonly CLOUD_DMI_RULES=(${CLOUD_DMI_RULES.map(q).join(' ')})`,
    `readonly PROBE_SKIP_MAJORS=(${PROBE_SKIP_MAJORS.join(' ')})`,
    '# the operations a plan step may call: MIN MAX GROUP (argument counts; MAX -1: extra arguments in GROUPs)',
    '# REPEATABLE (1: run again after a power loss it leaves the same result; its step is not synced on its own)',
    'declare -rA OP_ARITY=(',
    ...ops,
    ')',
    CONSTANTS_END,
  ].join('\n');
}

/** runner.bash with its generated block replaced by the current one. */
export function withRunnerConstants(runner: string): string {
  const a = runner.indexOf(CONSTANTS_BEGIN);
  const b = runner.indexOf(CONSTANTS_END);
  if (a < 0 || b < a) throw new Error('runner.bash has no generated constants block');
  return runner.slice(0, a) + renderRunnerConstants() + runner.slice(b + CONSTANTS_END.length);
}
