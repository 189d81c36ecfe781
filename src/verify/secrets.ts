/**
 * Secrets by rule (SPEC 9 (b), issue 11): secretlint's recommended preset for tokens and keys, plus
 * rules of our own for what a Linux image holds and the preset does not know (docs/verify-secrets.md).
 *
 * The scanner reads each regular file and hands this module the files that may hold a secret: those
 * whose text matches `keywords` (a cheap prefilter, one regular expression) and those whose path
 * `secretPathRule` names (shadow files, histories, .netrc, … which are read whatever they hold).
 * Then `scan` runs every rule on the file and returns hits: rule id, severity, a one-line message that
 * never holds the secret, and the line.
 *
 * The keywords are kept in step with the preset by a table, PRESET_KEYWORDS, with one entry per rule
 * of the preset: secrets.test.ts compares the table with the rules the installed preset exports (a new
 * rule in a new preset version fails the test until it has a keyword and a sample) and checks that every
 * positive sample of every rule matches the keywords. The preset's version range is pinned (~12.0.0) so
 * a new rule only arrives with a deliberate upgrade.
 *
 * Nothing read from a scanned file is ever evaluated: texts are matched with regular expressions and
 * JSON.parse, and answer files go through the hardened answer-file reader.
 */
import type { SecretLintCoreConfig, SecretLintCoreResultMessage, SecretLintRuleCreator } from '@secretlint/types';
import { parseAnswerFile } from '../answer-file/reader.js';
import { readPassword, sensitiveElements } from '../answer-file/sensitive.js';
import { SENSITIVE_DATA_DELETED } from '../answer-file/types.js';
import type { XmlElement } from '../answer-file/xml.js';
import { splitCommands, type Command, type Word } from './shell-words.js';
import type { SecretContext, SecretHit } from './types.js';

export interface SecretRules {
  /** the prefilter: a file whose (latin1) text does not match it, and whose path secretPathRule does not name, holds no secret a rule can find */
  keywords: RegExp;
  scan(path: string, text: string, ctx: SecretContext): Promise<SecretHit[]>;
}

// ---------------------------------------------------------------------------------------------------------
// The preset

const RULE_PREFIX = '@secretlint/secretlint-rule-';

/** Case-insensitive spelling of a literal, for the keywords (one RegExp cannot mix flags on Node 20). */
function ci(literal: string): string {
  return literal.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

/**
 * `://user:password@`, for basicauth (user and password [-a-zA-Z0-9_]{1,256}) and the database
 * connection strings (user [^:/\s]{1,100}, password [^@/\s]{1,200}): a superset of both.
 */
const URL_CREDENTIAL = ':\\/\\/[^:\\/\\s]{1,256}:[^@\\/\\s]{1,256}@';

/**
 * One keyword (a RegExp source, flags `m`) per rule of the preset, named by the rule's short name: a
 * superset of what the rule's own patterns need to match (read from the preset's source; each entry
 * says which pattern it stands for). `filter-comments` is no scanner: it lets a file silence findings
 * with `secretlint-disable` comments, which an image scan must not allow, so it is disabled.
 */
export const PRESET_KEYWORDS: Readonly<Record<string, string | null>> = {
  // "aws_secret_access_key = …" (the access-key-id and account-id scans are off in the preset's defaults)
  aws: '(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)',
  // service-account JSON (.json files only): its "private_key" must hold a PEM "-----BEGIN … PRIVATE KEY";
  // the .p12 form is never given to the rule (see scan)
  gcp: 'PRIVATE KEY',
  // -----BEGIN [RSA |DSA |EC |OPENSSH |PGP ]PRIVATE KEY[ BLOCK]-----
  privatekey: 'PRIVATE KEY',
  // _authToken= in .npmrc, npm_ tokens, x-oauth-basic GitHub URLs in package.json
  npm: '_authToken=|npm_[A-Za-z0-9_]{36}|:x-oauth-basic@',
  // http(s)/ftp(s)://user:password@host; the same keyword as database-connection-string (one is enough)
  basicauth: URL_CREDENTIAL,
  slack: `xox[bpaor]-|xapp-|${ci('hooks')}\\.${ci('slack')}\\.${ci('com')}`,
  sendgrid: 'SG\\.\\w+\\.\\w',
  shopify: 'shp(?:pa|ca|at|ss)_',
  github: 'gh[pousr]_[A-Za-z0-9_]{36}|github_pat_',
  gitlab: 'glpat-',
  grafana: 'glc_|glsa_',
  openai: 'T3BlbkFJ',
  anthropic: 'sk-ant-api0',
  groq: 'gsk_[a-zA-Z0-9]{52}',
  huggingface: 'hf_[a-zA-Z]{34}',
  linear: 'lin_api_',
  notion: 'ntn_[0-9]{11}',
  '1password': 'ops_ey',
  // mongodb(+srv)://, mysql(x)://, postgres(ql):// with user:password@
  'database-connection-string': URL_CREDENTIAL,
  'hashicorp-vault': 'hv[sbr]\\.',
  vercel: 'vc[pciark]_[A-Za-z0-9]{20}',
  databricks: 'dapi[A-Fa-f0-9]{32}',
  docker: 'dckr_pat_',
  figma: 'figd_',
  'filter-comments': null,
};

/** The preset's rules we switch off (see PRESET_KEYWORDS). */
const DISABLED_PRESET_RULES: readonly string[] = ['filter-comments'];

/**
 * Options for rules of the preset (their documented `allows`): values that have a token's prefix but
 * not its shape. Debian has packages named xapp-… (xapp-sn-watcher, xapp-symbolic-icons): the slack
 * rule's pattern takes `xapp-sn-watcher` in apt's lists and dpkg's status for an app-level token. A
 * real Slack token has numeric and mixed-case segments (xapp-1-A0123…-1234…-abcdef…), a package name
 * only lower-case words.
 */
const PRESET_RULE_OPTIONS: Record<string, { allows: string[] }> = {
  slack: { allows: ['/^(?:xox[bpaor]|xapp)(?:-[a-z]{1,19}[0-9]{0,3})+$/'] },
};

// ---------------------------------------------------------------------------------------------------------
// Helpers

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** A compressed file's text is its stream's: match its name without .gz/.xz/.zst. */
function plainPath(p: string): string {
  return p.replace(/\.(?:gz|xz|zst)$/, '');
}

/** A literal value that is a secret, not a reference to one: not empty, no expansion, no placeholder. */
function literalSecret(value: string | undefined, expansion = false): boolean {
  if (value === undefined || expansion) return false;
  const v = value.trim();
  if (v === '' || v === '-') return false;
  if (/^[$`]/.test(v)) return false;
  if (/^<[^>]*>$/.test(v) || /^\*+$/.test(v) || /^\{\{.*\}\}$/.test(v)) return false;
  return true;
}

/** A literal that is a value, not a switch: at least 4 characters, not true/false/yes/no/… */
function valueSecret(value: string | undefined, expansion = false): boolean {
  return literalSecret(value, expansion) && value!.trim().length >= 4 && !/^(?:true|false|yes|no|on|off|null|none|nil|undefined)$/i.test(value!.trim());
}

interface LinuxRule {
  id: string;
  /** keyword for the prefilter (RegExp source, flags m); null: the rule only reads the files its `paths` name */
  keyword: string | null;
  /** the files the rule always reads (secretPathRule); undefined: none in particular */
  paths?: (path: string) => boolean;
  scan(path: string, text: string, ctx: SecretContext): SecretHit[];
}

// ---------------------------------------------------------------------------------------------------------
// linux/shadow-password

/** shadow, gshadow and their backups in /etc and /var/backups (elsewhere a copy is found by its lines) */
const SHADOW_PATH = /^\/(?:etc|var\/backups)\/(g?)shadow(?:-|~|\.(?:bak|old|orig|save|dpkg-old|dpkg-dist))?$/;
/**
 * A shadow(5) line in any file (a copy: /var/backups/shadow.bak, /root/shadow.save, …): a name, a
 * `$id$` crypt hash (the DES and BSDi forms are only read in files named like shadow), then the numeric
 * aging fields.
 */
const SHADOW_LINE = /^([^:\n]+):(!*\$[0-9a-z]{1,10}\$[^:\n]+):\d*:\d*:\d*:\d*:\d*:\d*:[^:\n]*$/gm;
/** the keyword: what SHADOW_LINE needs, led by the hash's `$` (cheaper to look for than a line start) */
const SHADOW_KEYWORD = '\\$[0-9a-z]{1,10}\\$[^:\\n]+:\\d*:\\d*:\\d*:';

const CRYPT_SCHEMES: Record<string, string> = {
  '1': 'md5crypt', '2a': 'bcrypt', '2b': 'bcrypt', '2x': 'bcrypt', '2y': 'bcrypt', '5': 'sha256crypt', '6': 'sha512crypt',
  y: 'yescrypt', gy: 'gost-yescrypt', '7': 'scrypt', sha1: 'sha1crypt', md5: 'SunMD5', '3': 'NT hash',
};

/** The crypt(5) scheme of a password field, or undefined when the field holds no hash (*, !, !!, x, empty, …). */
export function cryptScheme(field: string): { scheme: string; locked: boolean } | undefined {
  const locked = field.startsWith('!');
  const h = field.replace(/^!+/, '');
  const id = /^\$([0-9a-z]{1,10})\$./.exec(h);
  if (id) return { scheme: CRYPT_SCHEMES[id[1]!] ?? `crypt $${id[1]}$`, locked };
  if (/^[./0-9A-Za-z]{13}$/.test(h)) return { scheme: 'DES crypt', locked };
  if (/^_[./0-9A-Za-z]{19}$/.test(h)) return { scheme: 'BSDi crypt', locked };
  return undefined;
}

function shadowHit(kind: 'account' | 'group', name: string, field: string, line: number, copy: boolean, ctx: SecretContext): SecretHit | undefined {
  if (ctx.keepAccounts.includes('*') || ctx.keepAccounts.includes(name)) return undefined;
  const c = cryptScheme(field);
  if (!c) return undefined;
  const where = copy ? ' (a copy of a shadow entry)' : '';
  return c.locked
    ? {
        rule: 'linux/shadow-password',
        severity: 'medium',
        line,
        message: `locked ${kind} "${name}" still holds a password hash (${c.scheme})${where}: unlocking restores it and it can be cracked offline`,
      }
    : {
        rule: 'linux/shadow-password',
        severity: 'high',
        line,
        message: `${kind} "${name}" has a password hash (${c.scheme})${where}: every clone would accept the original machine's password`,
      };
}

const shadowRule: LinuxRule = {
  id: 'linux/shadow-password',
  keyword: SHADOW_KEYWORD,
  paths: (p) => SHADOW_PATH.test(plainPath(p)),
  scan(path, text, ctx) {
    const hits: SecretHit[] = [];
    const m = SHADOW_PATH.exec(plainPath(path));
    if (m) {
      const kind = m[1] ? 'group' : 'account';
      text.split('\n').forEach((l, i) => {
        const f = l.split(':');
        if (f.length < 2 || !f[0]) return;
        const h = shadowHit(kind, f[0], f[1]!, i + 1, false, ctx);
        if (h) hits.push(h);
      });
      return hits;
    }
    for (const x of text.matchAll(SHADOW_LINE)) {
      const h = shadowHit('account', x[1]!, x[2]!, lineAt(text, x.index!), true, ctx);
      if (h) hits.push(h);
    }
    return hits;
  },
};

// ---------------------------------------------------------------------------------------------------------
// linux/shell-history-credential

const SHELL_HISTORIES = new Set([
  '.bash_history', '.zsh_history', '.zhistory', '.histfile', '.sh_history', '.ash_history', '.ksh_history', '.history',
  'fish_history',
]);
const OTHER_HISTORIES = new Set([
  '.psql_history', '.mysql_history', '.mariadb_history', '.sqlite_history', '.python_history', '.node_repl_history',
  '.irb_history', '.rediscli_history', '.dbshell', 'mongosh_repl_history', '.Rhistory',
]);
const REPL_HISTORIES = new Set(['.python_history', '.node_repl_history', '.irb_history', '.Rhistory', '.dbshell', 'mongosh_repl_history']);

const MYSQL_FAMILY = /^(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mysqlpump|mysqlsh|mysqlbinlog|mariadb(?:-[a-z]+)?)$/;
const LOGIN_TOOLS = /^(?:docker|podman|buildah|skopeo|nerdctl|helm|oras|crane|regctl)$/;
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'exec', 'nohup', 'time', 'command', 'builtin', 'nice', 'ionice', 'stdbuf', 'chronic']);
const DECLARERS = new Set(['export', 'declare', 'typeset', 'local', 'readonly']);
/** programs whose --password is a flag (it makes them prompt), so the next word is no password */
const PASSWORD_FLAG_TOOLS = /^(?:psql|pg_[a-z_]+|createdb|dropdb|createuser|dropuser|vacuumdb|reindexdb|clusterdb|pgbench)$/;
/** options of sudo/doas/nice that take a value (so the next word is not the command) */
const WRAPPER_ARG_OPTIONS = new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-T', '-U', '-n', '-c']);
/** long options whose value is a secret, for any program (not --password-stdin, --password-file, --token-ttl, …) */
const SECRET_OPTION = /^--(?:[a-z0-9]+-)*(?:password|passwd|passphrase|token|api-?key|access-key|secret-key|client-secret)$|^--(?:pass|apikey)$/i;
/** names of variables that hold secrets; not those that name a file, a path or an id of one */
const SECRET_VARIABLE = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|_PWD$|_PASS$|^PASS$|^PGPASS$/i;
const NOT_SECRET_VARIABLE = /(?:_FILE|_PATH|_DIR|_URL|_URI|_ID|_NAME|_USER|_USERNAME|_TTL|_LENGTH|_LEN|_TYPE|_HOST|_PORT|_EXPIRY|_EXPIRES|_ENDPOINT|_REGION|_CMD|_COMMAND|_HELPER|_SOCK)$/i;

function assignment(w: Word): { name: string; value: string } | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(w.text);
  return m ? { name: m[1]!, value: m[2]! } : undefined;
}

function secretAssignment(w: Word): string | undefined {
  const a = assignment(w);
  if (!a || !SECRET_VARIABLE.test(a.name) || NOT_SECRET_VARIABLE.test(a.name)) return undefined;
  // the word's expansion flag is for its start (NAME=…); look at the value itself
  return valueSecret(a.value, /^["']?[$`]/.test(a.value)) ? a.name : undefined;
}

/** The value of a short option: `-pVALUE`, or `-p VALUE` when `spaced`. */
function shortOption(words: Word[], i: number, flag: string, spaced: boolean): Word | undefined {
  const w = words[i]!;
  if (w.text === flag) {
    if (!spaced) return undefined;
    const next = words[i + 1];
    return next && !next.text.startsWith('-') ? next : undefined;
  }
  if (w.text.startsWith(flag) && !w.text.startsWith('--')) return { text: w.text.slice(flag.length), expansion: false };
  return undefined;
}

/** What a command line gives away, or undefined. `prev` is the command whose output this one reads. */
function commandCredential(cmd: Command, prev: Command | undefined): string | undefined {
  const words = cmd.words;
  let i = 0;
  // leading assignments and wrappers (sudo, env, export, …)
  for (;;) {
    const w = words[i];
    if (!w) return undefined;
    if (assignment(w)) {
      const name = secretAssignment(w);
      if (name) return `secret-named variable ${name} set to a literal value`;
      i++;
      continue;
    }
    if (w.text === 'set') {
      // fish: set [-gxU…] NAME VALUE…
      let j = i + 1;
      while (words[j] && words[j]!.text.startsWith('-')) j++;
      const name = words[j]?.text;
      const value = words[j + 1];
      if (name && value && /^[A-Za-z_]\w*$/.test(name) && SECRET_VARIABLE.test(name) && !NOT_SECRET_VARIABLE.test(name) && valueSecret(value.text, value.expansion)) {
        return `secret-named variable ${name} set to a literal value`;
      }
      return undefined;
    }
    if (DECLARERS.has(w.text)) {
      for (let j = i + 1; j < words.length; j++) {
        const name = secretAssignment(words[j]!);
        if (name) return `secret-named variable ${name} set to a literal value`;
      }
      return undefined;
    }
    if (WRAPPERS.has(basename(w.text))) {
      const sudo = basename(w.text) === 'sudo';
      i++;
      while (words[i] && words[i]!.text.startsWith('-')) {
        if (sudo && /^-[A-Za-z]*S/.test(words[i]!.text) && prev && pipedLiteral(prev)) return 'password piped into sudo -S';
        if (WRAPPER_ARG_OPTIONS.has(words[i]!.text)) i++;
        i++;
      }
      continue;
    }
    break;
  }
  const prog = basename(words[i]!.text);
  let args = words.slice(i + 1);
  const mysql = MYSQL_FAMILY.test(prog);
  if (prog === 'sshpass') {
    // sshpass's own options come before the command it runs (whose -p may be a port)
    let k = 0;
    for (; k < args.length && args[k]!.text.startsWith('-'); k++) if (/^-[fdPp]$/.test(args[k]!.text)) k++;
    args = args.slice(0, k);
  }
  /** `login` is the subcommand (docker login, helm registry login), not an argument of another one */
  const login = LOGIN_TOOLS.test(prog) && args.filter((x) => !x.text.startsWith('-')).slice(0, 2).some((x) => x.text === 'login');

  // what reads a secret on its standard input, fed by echo/printf of a literal
  if (prev && pipedLiteral(prev)) {
    if (prog === 'chpasswd' && /:./.test(pipedLiteral(prev)!)) return 'user:password piped into chpasswd';
    if (prog === 'passwd' && args.some((a) => a.text === '--stdin')) return 'password piped into passwd --stdin';
    const stdin = args.find((a) => a.text === '--password-stdin' || a.text === '--with-token');
    if (stdin) return `secret piped into ${prog} ${stdin.text}`;
  }
  const hereString = args.findIndex((a) => a.text === '<<<');
  if (hereString !== -1 && literalSecret(args[hereString + 1]?.text, args[hereString + 1]?.expansion)) {
    if (prog === 'chpasswd' && /:./.test(args[hereString + 1]!.text)) return 'user:password given to chpasswd in a here-string';
    if (prog === 'passwd' && args.some((a) => a.text === '--stdin')) return 'password given to passwd --stdin in a here-string';
  }

  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    let v: Word | undefined;
    if (mysql && (v = shortOption(args, k, '-p', false)) && literalSecret(v.text)) return `password given to ${prog} with -p<password>`;
    if ((prog === 'sshpass' || /^mongo(?:sh)?$/.test(prog)) && (v = shortOption(args, k, '-p', true)) && literalSecret(v.text, v.expansion)) {
      return `password given to ${prog} with -p`;
    }
    if (login && (v = shortOption(args, k, '-p', true)) && literalSecret(v.text, v.expansion)) {
      return `password given to ${prog} login with -p`;
    }
    if (prog === 'redis-cli' && (v = shortOption(args, k, '-a', true)) && literalSecret(v.text, v.expansion)) return 'password given to redis-cli with -a';
    if (/^ldap/.test(prog) && ((v = shortOption(args, k, '-w', true)) ?? (prog === 'ldappasswd' ? shortOption(args, k, '-s', true) : undefined)) && literalSecret(v!.text, v!.expansion)) {
      return `password given to ${prog} with -w`;
    }
    if (prog === 'curl') {
      v = shortOption(args, k, '-u', true) ?? shortOption(args, k, '-U', true);
      if (!v && (a.text === '--user' || a.text === '--proxy-user')) v = args[k + 1];
      if (!v && /^--(?:proxy-)?user=/.test(a.text)) v = { text: a.text.slice(a.text.indexOf('=') + 1), expansion: false };
      if (v && !v.expansion && /^[^:]*:(.+)$/.test(v.text) && literalSecret(v.text.slice(v.text.indexOf(':') + 1))) return 'user:password given to curl with -u';
    }
    if (/^(?:smbclient|rpcclient|smbmap|smbcacls|net|smbget)$/.test(prog)) {
      v = shortOption(args, k, '-U', true);
      if (!v && a.text === '--user') v = args[k + 1];
      if (!v && a.text.startsWith('--user=')) v = { text: a.text.slice(7), expansion: false };
      if (v && !v.expansion && /%./.test(v.text)) return `user%password given to ${prog} with -U`;
    }
    if (/^mount(?:\.cifs|\.smb3)?$/.test(prog) && (v = shortOption(args, k, '-o', true))) {
      const p = /(?:^|,)pass(?:word)?=([^,]*)/.exec(v.text);
      if (p && literalSecret(p[1])) return 'password in mount options (-o password=)';
    }
    if (prog === 'openssl' && /^-(?:pass|passin|passout|password|passphrase|k|kfile)$/.test(a.text)) {
      const next = args[k + 1];
      if (next && /^pass:./.test(next.text)) return `password given to openssl with ${a.text} pass:`;
    }
    if (/freerdp/.test(prog) && /^\/p:./.test(a.text)) return `password given to ${prog} with /p:`;
    if (prog === 'htpasswd' && /^-[a-zA-Z]*b[a-zA-Z]*$/.test(a.text)) {
      const positional = args.filter((x) => !x.text.startsWith('-'));
      const noFile = args.some((x) => /^-[a-zA-Z]*n[a-zA-Z]*$/.test(x.text));
      if (positional.length >= (noFile ? 2 : 3) && literalSecret(positional[positional.length - 1]!.text)) return 'password given to htpasswd -b';
    }
    // --password=VALUE, --token VALUE, … (mysql's --password takes no separate value: `--password db` prompts)
    const eq = a.text.indexOf('=');
    const name = eq === -1 ? a.text : a.text.slice(0, eq);
    if (a.text.startsWith('--') && SECRET_OPTION.test(name)) {
      if (eq !== -1 && valueSecret(a.text.slice(eq + 1), a.expansion)) return `secret given to ${prog} with ${name}=`;
      const next = args[k + 1];
      if (eq === -1 && !mysql && !PASSWORD_FLAG_TOOLS.test(prog) && next && !next.text.startsWith('-') && valueSecret(next.text, next.expansion)) return `secret given to ${prog} with ${name}`;
    }
  }
  return undefined;
}

/** The literal an echo/printf command prints (its first argument), if any. */
function pipedLiteral(cmd: Command): string | undefined {
  const w = cmd.words;
  if (!w[0] || !/^(?:echo|printf)$/.test(w[0].text)) return undefined;
  const arg = w.slice(1).find((x) => !/^-[neE]+$/.test(x.text));
  return arg && literalSecret(arg.text, arg.expansion) ? arg.text : undefined;
}

const SQL_PATTERNS: Array<[RegExp, string]> = [
  [/\bIDENTIFIED\s+(?:WITH\s+['"`]?\w+['"`]?\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?(?:'([^']+)'|"([^"]+)")/i, 'SQL statement with a literal password (IDENTIFIED BY)'],
  [/\bSET\s+PASSWORD\b[^=\n]*=\s*(?:PASSWORD\s*\(\s*)?(?:'([^']+)'|"([^"]+)")/i, 'SQL statement with a literal password (SET PASSWORD)'],
  [/\b(?:ROLE|USER)\b[^;\n]*?\bPASSWORD\s+(?:'([^']+)'|"([^"]+)")/i, 'SQL statement with a literal password (PASSWORD \'…\')'],
];
const REDIS_AUTH = /^\s*AUTH\s+\S+/i;
const REPL_ASSIGNMENT = /\b\w*(?:password|passwd|secret|token|api_?key)\w*["']?\s*[=:]\s*(["'])([^"'\n]+)\1/i;

/** The text of a history line without the history's own framing (zsh times, fish's YAML, mysql's \040). */
function historyText(name: string, line: string): string | undefined {
  if (name === 'fish_history') {
    const m = /^- cmd: (.*)$/.exec(line);
    return m ? m[1]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\') : undefined;
  }
  if (name === '.mysql_history' || name === '.mariadb_history') return line.replace(/\\040/g, ' ');
  return line.replace(/^: \d+:\d+;/, '');
}

function historyLine(name: string, text: string): string | undefined {
  for (const [re, what] of SQL_PATTERNS) {
    const m = re.exec(text);
    if (m && literalSecret(m[1] ?? m[2])) return what;
  }
  if (name === '.rediscli_history' && REDIS_AUTH.test(text)) return 'redis AUTH with a literal password';
  if (REPL_HISTORIES.has(name)) {
    const m = REPL_ASSIGNMENT.exec(text);
    return m && literalSecret(m[2]) ? 'secret-named value assigned a literal' : undefined;
  }
  if (!SHELL_HISTORIES.has(name)) return undefined;
  const cmds = splitCommands(text);
  for (let i = 0; i < cmds.length; i++) {
    const what = commandCredential(cmds[i]!, cmds[i]!.piped ? cmds[i - 1] : undefined);
    if (what) return what;
  }
  return undefined;
}

function historyName(path: string): string | undefined {
  const name = basename(plainPath(path));
  return SHELL_HISTORIES.has(name) || OTHER_HISTORIES.has(name) ? name : undefined;
}

const historyRule: LinuxRule = {
  id: 'linux/shell-history-credential',
  keyword: null,
  paths: (p) => historyName(p) !== undefined,
  scan(path, text) {
    const name = historyName(path);
    if (!name) return [];
    const hits: SecretHit[] = [];
    text.split('\n').forEach((raw, i) => {
      const t = historyText(name, raw);
      const what = t === undefined ? undefined : historyLine(name, t);
      if (what) hits.push({ rule: 'linux/shell-history-credential', severity: 'high', line: i + 1, message: `${what}, kept in a command history` });
    });
    return hits;
  },
};

// ---------------------------------------------------------------------------------------------------------
// linux/git-credentials

const gitCredentialsRule: LinuxRule = {
  id: 'linux/git-credentials',
  keyword: null,
  paths: (p) => /(?:^|\/)\.git-credentials$|(?:^|\/)\.config\/git\/credentials$/.test(plainPath(p)),
  scan(path, text) {
    if (!gitCredentialsRule.paths!(path)) return [];
    const hits: SecretHit[] = [];
    text.split('\n').forEach((l, i) => {
      const m = /^\s*([a-z][a-z0-9+.-]*):\/\/([^:/@\s]*):([^@\s]*)@([^/\s?#]*)/i.exec(l);
      if (m && m[3] !== '') {
        hits.push({ rule: 'linux/git-credentials', severity: 'high', line: i + 1, message: `git credential store holds a password or token for ${m[1]}://${m[4]}` });
      }
    });
    return hits;
  },
};

// ---------------------------------------------------------------------------------------------------------
// linux/netrc

const netrcRule: LinuxRule = {
  id: 'linux/netrc',
  keyword: null,
  paths: (p) => /^(?:\.netrc|_netrc|\.authinfo)$/.test(basename(plainPath(p))),
  scan(path, text) {
    if (!netrcRule.paths!(path)) return [];
    const hits: SecretHit[] = [];
    // tokens with their lines; a macdef body runs to the next empty line and is skipped
    const tokens: Array<{ t: string; line: number }> = [];
    const lines = text.split('\n');
    let inMacro = false;
    lines.forEach((l, i) => {
      if (inMacro) {
        if (l.trim() === '') inMacro = false;
        return;
      }
      for (const m of l.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
        const t = m[1] !== undefined ? m[1] : m[2]!;
        tokens.push({ t, line: i + 1 });
        if (tokens.length >= 2 && tokens[tokens.length - 2]!.t === 'macdef') inMacro = true;
      }
    });
    let machine = 'default';
    for (let k = 0; k < tokens.length; k++) {
      const { t } = tokens[k]!;
      if (t === 'machine') machine = tokens[k + 1]?.t ?? machine;
      else if (t === 'default') machine = 'default';
      else if (t === 'password' || t === 'passwd') {
        const v = tokens[k + 1];
        if (v && literalSecret(v.t) && !['machine', 'default', 'login', 'account', 'macdef'].includes(v.t)) {
          hits.push({ rule: 'linux/netrc', severity: 'high', line: v.line, message: `netrc holds a password for machine ${machine}` });
        }
        k++;
      } else if (t === 'login' || t === 'account' || t === 'port') k++;
    }
    return hits;
  },
};

// ---------------------------------------------------------------------------------------------------------
// linux/docker-auth

const DOCKER_PATHS = /(?:^|\/)\.docker\/config\.json$|(?:^|\/)\.dockercfg$|(?:^|\/)containers\/(?:\d+\/)?auth\.json$|^\/var\/lib\/kubelet\/config\.json$/;

const dockerRule: LinuxRule = {
  id: 'linux/docker-auth',
  keyword: '"auths"\\s*:',
  paths: (p) => DOCKER_PATHS.test(plainPath(p)),
  scan(path, text) {
    const legacy = /(?:^|\/)\.dockercfg$/.test(plainPath(path));
    if (!legacy && !/"auths"\s*:/.test(text)) return [];
    const hits: SecretHit[] = [];
    const report = (registry: string, what: string, value: string) => {
      const at = text.indexOf(JSON.stringify(value).slice(1, -1));
      hits.push({ rule: 'linux/docker-auth', severity: 'high', line: at === -1 ? undefined : lineAt(text, at), message: `container registry ${what} for ${registry}` });
    };
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      // not JSON (a fragment, a copy in another format): the entries as they are written
      for (const m of text.matchAll(/"(auth|identitytoken|registrytoken|password)"\s*:\s*"([^"]+)"/g)) {
        if (m[1] === 'auth' && !authHasPassword(m[2]!)) continue;
        hits.push({ rule: 'linux/docker-auth', severity: 'high', line: lineAt(text, m.index!), message: `container registry ${m[1] === 'auth' ? 'credential (auth)' : m[1]}` });
      }
      return hits;
    }
    if (!doc || typeof doc !== 'object') return hits;
    const root = doc as Record<string, unknown>;
    const auths = (legacy && !('auths' in root) ? root : root['auths']) as Record<string, unknown> | undefined;
    if (!auths || typeof auths !== 'object') return hits;
    for (const [registry, entry] of Object.entries(auths)) {
      if (!entry || typeof entry !== 'object') continue;
      const e = entry as Record<string, unknown>;
      if (typeof e['auth'] === 'string' && authHasPassword(e['auth'])) report(registry, 'credential (auth: base64 of user:password)', e['auth']);
      for (const k of ['identitytoken', 'registrytoken', 'password']) {
        const v = e[k];
        if (typeof v === 'string' && literalSecret(v)) report(registry, k === 'password' ? 'password' : `token (${k})`, v);
      }
    }
    return hits;
  },
};

function authHasPassword(b64: string): boolean {
  if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return false;
  const s = Buffer.from(b64, 'base64').toString('latin1');
  const colon = s.indexOf(':');
  return colon !== -1 && colon < s.length - 1;
}

// ---------------------------------------------------------------------------------------------------------
// linux/kubeconfig-key

const KUBE_PATHS = /(?:^|\/)\.kube\/config$|^\/etc\/kubernetes\/[^/]+\.conf$|^\/var\/lib\/kubelet\/kubeconfig$|^\/etc\/rancher\/(?:k3s\/k3s|rke2\/rke2)\.yaml$/;
const KUBE_KIND = /^[ \t]*["']?kind["']?[ \t]*:[ \t]*["']?Config["']?[ \t]*,?[ \t]*\r?$/m;
/** the keyword: client-key-data, or KUBE_KIND without its line anchors */
const KUBE_KEYWORD = `client-key-data|kind["']?[ \\t]*:[ \\t]*["']?Config\\b`;
const KUBE_SECRET = /^[ \t]*(?:-[ \t]+)?["']?(client-key-data|token|password|access-token|id-token|refresh-token|client-secret)["']?[ \t]*:[ \t]*["']?([^"'\s,#]*)/gm;
const KUBE_WHAT: Record<string, string> = {
  'client-key-data': 'a client private key (client-key-data)',
  token: 'a bearer token (token)',
  password: 'a basic-auth password (password)',
  'access-token': 'an auth-provider access token',
  'id-token': 'an auth-provider id token',
  'refresh-token': 'an auth-provider refresh token',
  'client-secret': 'an auth-provider client secret',
};

const kubeRule: LinuxRule = {
  id: 'linux/kubeconfig-key',
  keyword: KUBE_KEYWORD,
  paths: (p) => KUBE_PATHS.test(plainPath(p)),
  scan(path, text) {
    if (!KUBE_PATHS.test(plainPath(path)) && !KUBE_KIND.test(text) && !text.includes('client-key-data')) return [];
    const hits: SecretHit[] = [];
    for (const m of text.matchAll(KUBE_SECRET)) {
      const v = m[2]!;
      if (!literalSecret(v) || /^(?:null|~|REDACTED|DATA\+OMITTED)$/.test(v)) continue;
      hits.push({ rule: 'linux/kubeconfig-key', severity: 'high', line: lineAt(text, m.index!), message: `kubeconfig embeds ${KUBE_WHAT[m[1]!]}` });
    }
    return hits;
  },
};

// ---------------------------------------------------------------------------------------------------------
// linux/answer-file-password

const ANSWER_PATHS = /(?:^|\/)(?:auto)?unattend[^/]*\.xml$|\/panther\/[^/]*\.xml$|^\/etc\/sysprep\/[^/]*\.xml$|^\/var\/lib\/sysprep\/[^/]*\.xml$/i;

const UTF16_UNATTEND = [...'unattend'].map((c) => `${c}\\x00`).join('');
/** an <unattend> element (any prefix), in UTF-8 or UTF-16LE */
const ANSWER_ROOT = new RegExp(`<(?:[\\w.-]+:)?unattend[\\s>]|<\\x00(?:[\\w.:-]\\x00)*${UTF16_UNATTEND}`);

function elementPath(el: XmlElement): string {
  const names = [el.local];
  for (let p = el.parent; p && names.length < 3 && p.local !== 'component'; p = p.parent) names.unshift(p.local);
  return names.join('/');
}

function passwordHit(where: string, line: number | undefined, hidden: boolean): SecretHit {
  return hidden
    ? { rule: 'linux/answer-file-password', severity: 'medium', line, message: `answer file holds a base64-obscured password in ${where} (PlainText false: trivially decoded)` }
    : { rule: 'linux/answer-file-password', severity: 'high', line, message: `answer file holds a plain-text password in ${where}` };
}

const answerRule: LinuxRule = {
  id: 'linux/answer-file-password',
  // the root element, in ASCII/UTF-8 and in UTF-16LE (answer files written on Windows)
  keyword: `unattend[\\s>]|${UTF16_UNATTEND}`,
  paths: (p) => ANSWER_PATHS.test(plainPath(p)),
  scan(path, text) {
    if (!ANSWER_PATHS.test(plainPath(path)) && !ANSWER_ROOT.test(text)) return [];
    const bytes = Buffer.from(text, 'latin1');
    let doc;
    try {
      doc = parseAnswerFile(bytes, path);
    } catch {
      return answerFallback(text);
    }
    const hits: SecretHit[] = [];
    for (const el of sensitiveElements(doc)) {
      if (!el.local.endsWith('Password')) continue;
      const p = readPassword(el);
      if (p.deleted) continue;
      if (p.hidden) {
        if (p.value === '' || (p.value === undefined && !p.error)) continue;
      } else if (!literalSecret(p.value)) continue;
      hits.push(passwordHit(`<${elementPath(el)}>`, el.line, p.hidden));
    }
    return hits;
  },
};

/** For a file the reader refuses (not well-formed, no namespace, …): the password elements as written. */
function answerFallback(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const m of text.matchAll(/<((?:[\w.-]+:)?(\w*Password))\b[^>]*>([\s\S]*?)<\/\1\s*>/g)) {
    const body = m[3]!;
    const value = /<(?:[\w.-]+:)?Value\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?Value\s*>/.exec(body);
    const raw = (value ? value[1]! : /</.test(body) ? '' : body).trim();
    if (!literalSecret(raw) || raw === SENSITIVE_DATA_DELETED) continue;
    const hidden = /<(?:[\w.-]+:)?PlainText\b[^>]*>\s*false\s*</i.test(body);
    hits.push(passwordHit(`<${m[2]}>`, lineAt(text, m.index!), hidden));
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------------------
// linux/private-key and linux/encrypted-private-key: the key formats the preset's privatekey rule misses

/** a block of base64 between BEGIN and END (at least 100 base64 characters, as the preset asks: no placeholder) */
function armoredBlocks(text: string, begin: RegExp, end: string): Array<{ index: number; body: string }> {
  const out: Array<{ index: number; body: string }> = [];
  for (const m of text.matchAll(begin)) {
    const from = m.index! + m[0].length;
    const stop = text.indexOf(end, from);
    if (stop === -1 || stop - from > 200_000) continue;
    const body = text.slice(from, stop);
    if ((body.match(/[A-Za-z0-9+/]/g)?.length ?? 0) >= 100) out.push({ index: m.index!, body });
  }
  return out;
}

/** A PEM private key that is not encrypted (PKCS#1, SEC1, PKCS#8), with its base64 body. */
const PEM_KEY = /-----BEGIN (?:(RSA|DSA|EC) )?PRIVATE KEY-----([A-Za-z0-9+/=\s\\]{0,20000}?)-----END (?:(?:RSA|DSA|EC) )?PRIVATE KEY-----/g;

/**
 * Whether the preset's privatekey rule reports a PEM body: it takes 100 to 10,000 characters and asks
 * the base64 to start with "MI" (DER of 128 bytes or more) or OpenSSH's magic. So it misses the small
 * keys: EC P-256 in SEC1 form (ssh-keygen -m PEM, openssl ecparam -genkey: "MHcC…", 121 bytes),
 * Ed25519 and X25519 in PKCS#8 ("MC4C…", 48 bytes), and keys over 10,000 characters.
 */
function presetSeesPem(raw: string, body: string): boolean {
  const n = raw.replace(/^\n/, '').replace(/\n$/, '').length;
  return n >= 100 && n <= 10_000 && /^MI/.test(body);
}

const keyRule: LinuxRule = {
  id: 'linux/private-key',
  // the PGP block's BEGIN line holds "PRIVATE KEY", the preset's keyword
  keyword: 'PRIVATE KEY|PuTTY-User-Key-File-',
  scan(_path, text) {
    const hits: SecretHit[] = [];
    for (const m of text.matchAll(PEM_KEY)) {
      const raw = m[2]!;
      const body = raw.replace(/\s|\\n/g, '');
      // DER (a SEQUENCE: "M…") in strict base64, of a key's size: no placeholder, no encrypted PEM (headers)
      if (!/^M[A-Za-z0-9+/]+=*$/.test(body) || body.length < 60 || presetSeesPem(raw, body)) continue;
      hits.push({ rule: 'linux/private-key', severity: 'high', line: lineAt(text, m.index!), message: `found a private key (${m[1] ?? 'PKCS#8'} PEM)` });
    }
    for (const b of armoredBlocks(text, /-----BEGIN PGP PRIVATE KEY BLOCK-----/g, '-----END PGP PRIVATE KEY BLOCK-----')) {
      hits.push({ rule: 'linux/private-key', severity: 'high', line: lineAt(text, b.index), message: 'found a PGP secret key block' });
    }
    for (const m of text.matchAll(/^PuTTY-User-Key-File-[23]: *(\S+)[^\n]*\n(?:[^\n]*\n){0,40}?Private-Lines: *(\d+)/gm)) {
      const enc = /^Encryption: *(\S+)/m.exec(m[0]);
      if (Number(m[2]) < 1) continue;
      const encrypted = enc !== null && enc[1] !== 'none';
      hits.push({
        rule: encrypted ? 'linux/encrypted-private-key' : 'linux/private-key',
        severity: encrypted ? 'medium' : 'high',
        line: lineAt(text, m.index!),
        message: encrypted ? `found a PuTTY private key (${m[1]}), encrypted with a passphrase` : `found a PuTTY private key (${m[1]}), not encrypted`,
      });
    }
    return hits;
  },
};

const encryptedKeyRule: LinuxRule = {
  id: 'linux/encrypted-private-key',
  // every form's BEGIN line holds "PRIVATE KEY"
  keyword: 'PRIVATE KEY',
  scan(_path, text) {
    const hits: SecretHit[] = [];
    const add = (index: number, what: string) =>
      hits.push({ rule: 'linux/encrypted-private-key', severity: 'medium', line: lineAt(text, index), message: `found ${what}: a passphrase guards it, but it is the original machine's key and can be attacked offline` });
    for (const b of armoredBlocks(text, /-----BEGIN ENCRYPTED PRIVATE KEY-----/g, '-----END ENCRYPTED PRIVATE KEY-----')) add(b.index, 'an encrypted PKCS#8 private key');
    for (const b of armoredBlocks(text, /-----BEGIN (RSA|DSA|EC) PRIVATE KEY-----\r?\nProc-Type: 4,ENCRYPTED/g, ' PRIVATE KEY-----')) add(b.index, 'an encrypted PEM private key');
    for (const b of armoredBlocks(text, /---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----/g, '---- END SSH2 ENCRYPTED PRIVATE KEY ----')) add(b.index, 'an encrypted SSH2 private key');
    return hits;
  },
};

/** Our rules, in the order their hits are reported. */
export const LINUX_RULES: readonly LinuxRule[] = [
  shadowRule, historyRule, gitCredentialsRule, netrcRule, dockerRule, kubeRule, answerRule, keyRule, encryptedKeyRule,
];

/** Whether a file must be given to `scan` whatever its text holds (it is read by a rule because of its name). */
export function secretPathRule(path: string): boolean {
  return LINUX_RULES.some((r) => r.paths?.(path) ?? false);
}

// ---------------------------------------------------------------------------------------------------------
// The rule set

/** The keywords of the given preset rules and of LINUX_RULES, as one RegExp (flags m). */
export function buildKeywords(presetRuleNames: readonly string[]): RegExp {
  const parts = new Set<string>();
  for (const name of presetRuleNames) {
    if (!(name in PRESET_KEYWORDS)) throw new Error(`secretlint rule "${name}" has no keyword in PRESET_KEYWORDS (src/verify/secrets.ts)`);
    const k = PRESET_KEYWORDS[name];
    if (k) parts.add(k);
  }
  for (const r of LINUX_RULES) if (r.keyword) parts.add(r.keyword);
  return new RegExp([...parts].map((p) => `(?:${p})`).join('|'), 'm');
}

/** A secretlint message as a hit: the rule's own words, with every reported value masked. */
function presetHit(m: SecretLintCoreResultMessage, text: string): SecretHit {
  const short = m.ruleId.startsWith(RULE_PREFIX) ? m.ruleId.slice(RULE_PREFIX.length) : m.ruleId;
  const matched = text.slice(m.range[0], m.range[1]);
  let message = m.message;
  const values: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === 'string') values.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(m.data);
  // mask what the rule reported that the file holds (a type name such as "GitHub personal access tokens" stays)
  for (const v of [...values, matched].sort((a, b) => b.length - a.length)) {
    if (v.length >= 4 && (text.includes(v) || matched.includes(v))) message = message.split(v).join('****');
  }
  message = message.replace(/\s+/g, ' ').trim();
  if (message.length > 200) message = message.slice(0, 200) + '…';
  return { rule: `secretlint/${short}`, severity: 'high', message, line: m.loc.start.line };
}

/** Loads secretlint and the preset and returns the rule set. */
export async function loadSecretRules(): Promise<SecretRules> {
  const { lintSource } = await import('@secretlint/core');
  const preset = (await import('@secretlint/secretlint-rule-preset-recommend')) as unknown as {
    rules: Array<SecretLintRuleCreator>;
  };
  const names = presetRuleNames(preset.rules);
  const keywords = buildKeywords(names);
  // Each preset rule runs only on the files its keyword matches (the keywords are supersets of what the
  // rules match, secrets.test.ts checks it): apt's 48 MiB package list, which holds `xapp-`, runs the
  // slack rule only.
  const presetKeywords = names
    .filter((n) => PRESET_KEYWORDS[n] && !DISABLED_PRESET_RULES.includes(n))
    .map((n) => ({ name: n, re: new RegExp(PRESET_KEYWORDS[n]!, 'm') }));
  // The preset's rules are given to secretlint one by one (the preset's `create` only registers each of
  // them with default options): secretlint 12.0 ignores `disabled` for a rule inside a preset.
  const configFor = (run: ReadonlySet<string>): SecretLintCoreConfig => ({
    rules: preset.rules
      .map((rule, i) => ({ rule, name: names[i]! }))
      .filter((r) => run.has(r.name))
      .map((r) => ({ id: r.rule.meta.id, rule: r.rule, ...(PRESET_RULE_OPTIONS[r.name] ? { options: PRESET_RULE_OPTIONS[r.name] } : {}) })),
  });
  const ruleKeywords = new Map(LINUX_RULES.filter((r) => r.keyword).map((r) => [r.id, new RegExp(r.keyword!, 'm')]));

  async function scan(path: string, text: string, ctx: SecretContext): Promise<SecretHit[]> {
    const hits: SecretHit[] = [];
    for (const r of LINUX_RULES) {
      const k = ruleKeywords.get(r.id);
      if (!(r.paths?.(path) ?? false) && !(k && k.test(text))) continue;
      hits.push(...r.scan(path, text, ctx));
    }
    const run = new Set(presetKeywords.filter((k) => k.re.test(text)).map((k) => k.name));
    if (run.size === 0) return dedupe(hits, []);
    // A `.p12` file is given another extension: the gcp rule would read `filePath` itself from the
    // host's file system (not the target's), outside the scan's file handling.
    let ext = /\.[^./]*$/.exec(basename(path))?.[0] ?? '';
    if (ext.toLowerCase() === '.p12') ext = '.bin';
    const result = await lintSource({
      source: { content: text, filePath: path, ext, contentType: 'text' },
      options: { config: configFor(run), noPhysicFilePath: true, maskSecrets: false, locale: 'en' },
    });
    const preset = result.messages.map((m) => presetHit(m, text));
    return dedupe(hits, preset);
  }
  return { keywords, scan };
}

/** The short names of a preset's rules. */
export function presetRuleNames(rules: ReadonlyArray<{ meta: { id: string } }>): string[] {
  return rules.map((r) => (r.meta.id.startsWith(RULE_PREFIX) ? r.meta.id.slice(RULE_PREFIX.length) : r.meta.id));
}

/**
 * One secret, one finding: a git credential line is not also a basic-auth URL, a history line that a
 * preset rule names (the token's kind) is not also a generic history credential, a PEM key the preset
 * reports is not also linux/private-key.
 */
function dedupe(linux: SecretHit[], preset: SecretHit[]): SecretHit[] {
  const lines = (rule: string) => new Set(linux.filter((h) => h.rule === rule).map((h) => h.line));
  const gitLines = lines('linux/git-credentials');
  const keptPreset = preset.filter(
    (h) => !(gitLines.has(h.line) && (h.rule === 'secretlint/basicauth' || h.rule === 'secretlint/database-connection-string')),
  );
  const presetLines = new Set(keptPreset.map((h) => h.line));
  const keptLinux = linux.filter((h) => !((h.rule === 'linux/shell-history-credential' || h.rule === 'linux/private-key') && presetLines.has(h.line)));
  const order = (h: SecretHit) => h.line ?? 0;
  // and one finding per rule and line (the npm rule reports an .npmrc token as authToken and as npm token)
  const seen = new Set<string>();
  const out: SecretHit[] = [];
  for (const h of [...keptLinux, ...keptPreset]) {
    const key = `${h.rule}:${h.line}`;
    if (h.line !== undefined && seen.has(key)) continue;
    seen.add(key);
    out.push(h);
  }
  return out.sort((a, b) => order(a) - order(b));
}
