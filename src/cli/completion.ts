/**
 * The bash completion the packages install (/usr/share/bash-completion/completions/sysprep), generated
 * from the option table of args.ts and the command words of main.ts, so it knows what the parser knows.
 * GNU spellings are offered (`--generalize`); the Windows ones (`/generalize`) are accepted by sysprep
 * but would fight with path completion.
 */
import { PROVIDER_PASSES } from '../model/passes.js';
import { DEVICE_OPERATIONS } from '../model/devices.js';
import { BUILT_IN_PROVIDERS } from '../providers/index.js';
import { AGENT_MODES } from '../model/request.js';
import { OPTIONS } from './args.js';
import { COMMANDS } from './main.js';

/** Values some options take, where there is a fixed set. */
const VALUES: Readonly<Record<string, readonly string[]>> = {
  mode: ['vm'],
  verify: ['warn', 'fail', 'off', 'warn,forget', 'fail,forget', 'off,forget'],
  pass: PROVIDER_PASSES,
  agent: AGENT_MODES,
};

/** Command words for the system itself (the first boot's units), not offered. */
const INTERNAL = ['agent'];

export function bashCompletion(): string {
  const opts = OPTIONS.map((o) => `--${o.name}`);
  const withValue = OPTIONS.filter((o) => o.takesValue).map((o) => `--${o.name}`);
  const words = [...new Set(Object.values(COMMANDS).flatMap((c) => (c.words.length ? [c.words[0]!] : [])))].filter((w) => !INTERNAL.includes(w)).sort();
  // the second words of each first word, together (`drivers add`, `drivers list`: one case)
  const byFirst = new Map<string, string[]>();
  for (const c of Object.values(COMMANDS)) if (c.words.length === 2) byFirst.set(c.words[0]!, [...(byFirst.get(c.words[0]!) ?? []), c.words[1]!]);
  const seconds = [...byFirst].map(([first, rest]) => `${first} ${rest.join(' ')}`);
  const providers = ['defaults', 'all', ...[...BUILT_IN_PROVIDERS.map((p) => p.id), ...DEVICE_OPERATIONS.map((o) => o.id)].sort()];
  const cases = Object.entries(VALUES).map(([name, vals]) => `    --${name}) COMPREPLY=($(compgen -W '${vals.join(' ')}' -- "$cur")); return ;;`);
  return `# bash completion for sysprep(8); generated from sysprep's option table (src/cli/completion.ts)
# shellcheck disable=SC2207 # compgen's words, one per element, as every completion does
_sysprep() {
  local cur prev
  cur=\${COMP_WORDS[COMP_CWORD]}
  prev=\${COMP_WORDS[COMP_CWORD-1]}
  case $prev in
${cases.join('\n')}
    --providers) COMPREPLY=($(compgen -W '${providers.join(' ')}' -- "\${cur##*,}")); return ;;
    --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --unattend|--image|--fingerprints) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${withValue.filter((o) => ![...Object.keys(VALUES).map((v) => `--${v}`), '--providers', '--root', '--unattend', '--image', '--fingerprints'].includes(o)).join('|')}) return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W '${opts.join(' ')}' -- "$cur"))
    return
  fi
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W '${words.join(' ')}' -- "$cur"))
    return
  fi
  if [[ $COMP_CWORD -eq 2 ]]; then
    case \${COMP_WORDS[1]} in
${seconds.map((s) => `      ${s.split(' ')[0]}) COMPREPLY=($(compgen -W '${s.split(' ').slice(1).join(' ')}' -- "$cur")); [[ \${#COMPREPLY[@]} -gt 0 ]] && return ;;`).join('\n')}
    esac
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _sysprep sysprep
`;
}

if (process.argv[1]?.endsWith('completion.js')) process.stdout.write(bashCompletion());
