/**
 * The command line's entry: the dispatch table (which words name which command, each command one
 * file in commands/), and the one place errors become exit codes (SPEC 2).
 */
import * as fs from 'node:fs';
import { describeError, ExitCode, SysprepError, usageError } from '../model/errors.js';
import { tokenize, type Command, type ParsedArgs } from './args.js';

export interface CommandEntry {
  /**
   * The words that name the command (`sysprep providers test …`, matched case-insensitively, the
   * longest first). None: it is chosen by its options (help, version), by their absence (the dialog),
   * or when no words match (the run itself).
   */
  words: readonly string[];
  /** for a command of two words whose first is no command: the usage when the second is missing or wrong */
  usage?: string;
  /** its file in commands/, loaded only when it runs */
  load: () => Promise<Command>;
}

/** Every command. A test checks that each file in commands/ is here and each entry has its file. */
export const COMMANDS = {
  run: { words: [], load: async () => (await import('./commands/run.js')).runCommand },
  dialog: { words: [], load: async () => (await import('./commands/dialog.js')).dialogCommand },
  help: { words: ['help'], load: async () => (await import('./commands/help.js')).helpCommand },
  version: { words: [], load: async () => (await import('./commands/version.js')).versionCommand },
  state: { words: ['state'], load: async () => (await import('./commands/state.js')).stateCommand },
  providers: { words: ['providers'], load: async () => (await import('./commands/providers.js')).providersCommand },
  providersTest: { words: ['providers', 'test'], load: async () => (await import('./commands/providers-test.js')).providersTestCommand },
  rearm: { words: ['rearm'], load: async () => (await import('./commands/rearm.js')).rearmCommand },
  unattendCheck: { words: ['unattend', 'check'], usage: 'sysprep unattend check FILE [--json]', load: async () => (await import('./commands/unattend-check.js')).unattendCheckCommand },
  verify: { words: ['verify'], load: async () => (await import('./commands/verify.js')).verifyCommand },
  driversAdd: { words: ['drivers', 'add'], usage: 'sysprep drivers add|list [--root DIR | --image FILE] [--dry-run] [--json] [--load-at-boot] PATH…', load: async () => (await import('./commands/drivers-add.js')).driversAddCommand },
  driversList: { words: ['drivers', 'list'], usage: 'sysprep drivers add|list [--root DIR | --image FILE] [--dry-run] [--json] [--load-at-boot] PATH…', load: async () => (await import('./commands/drivers-list.js')).driversListCommand },
  agent: { words: ['agent'], load: async () => (await import('./commands/agent.js')).agentCommand },
} as const satisfies Record<string, CommandEntry>;

/** The command a command line names, and its arguments after the naming words. */
export function dispatch(args: ParsedArgs): { command: keyof typeof COMMANDS; args: ParsedArgs } {
  const chosen = (command: keyof typeof COMMANDS, words = 0) => ({ command, args: { ...args, positionals: args.positionals.slice(words) } });
  // --help and --version win over everything else on the line
  if (args.options.has('help')) return chosen('help');
  if (args.options.has('version')) return chosen('version');
  // `sysprep` alone (or with only --root): the dialog for that target
  if (!args.positionals.length && [...args.options.keys()].every((k) => k === 'root')) return chosen('dialog');
  const given = args.positionals.map((p) => p.toLowerCase());
  const named = (Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])
    .filter((c) => COMMANDS[c].words.length && COMMANDS[c].words.every((w, i) => given[i] === w))
    .sort((a, b) => COMMANDS[b].words.length - COMMANDS[a].words.length)[0];
  if (named) return chosen(named, COMMANDS[named].words.length);
  for (const entry of Object.values(COMMANDS) as CommandEntry[]) {
    if (entry.usage && given[0] === entry.words[0]) throw usageError(`usage: ${entry.usage}`);
  }
  return chosen('run');
}

export async function main(argv: readonly string[]): Promise<number> {
  let json = argv.some((a) => /^(--|-|\/)json$/i.test(a));
  try {
    const args = tokenize(argv);
    json = args.options.has('json');
    const chosen = dispatch(args);
    return await (await COMMANDS[chosen.command].load())(chosen.args);
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

if (import.meta.url === `file://${fs.realpathSync(process.argv[1] ?? '')}`) {
  process.exitCode = await main(process.argv.slice(2));
}
