/**
 * The allow-list (SPEC 9): findings an image builder knows about and keeps, in the target's
 * /etc/sysprep/verify-allow, no answer file needed. One entry a line, `#` starts a comment:
 *
 *   RULE PATH        a finding of this rule (or `*`) at this path (a glob: `*` within a name, `**`
 *                    across directories, `?` one character)
 *   PATH             any finding at this path
 *
 * e.g. `secretlint/privatekey /etc/ssl/private/corp-ca.key`, `* /opt/vendor/**`, `host-name /etc/motd`.
 */
import type { Finding } from './types.js';

export interface AllowEntry {
  rule: string;
  path: string;
  line: number;
  re: RegExp;
}

export class AllowListError extends Error {}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Parse an allow-list; a line that is not an entry is an error naming the file and line. */
export function parseAllowList(text: string, file: string): AllowEntry[] {
  const out: AllowEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const f = line.split(/\s+/);
    if (f.length > 2) throw new AllowListError(`${file}, line ${i + 1}: "${line}": an entry is RULE PATH or PATH (a path in the image, starting with /)`);
    const [rule, p] = f.length === 2 ? [f[0]!, f[1]!] : ['*', f[0]!];
    if (!p.startsWith('/')) throw new AllowListError(`${file}, line ${i + 1}: "${p}" is not a path in the image (it must start with /)`);
    out.push({ rule, path: p, line: i + 1, re: globRegExp(p) });
  });
  return out;
}

export function allowed(entries: readonly AllowEntry[], f: Finding): AllowEntry | undefined {
  return entries.find((e) => (e.rule === '*' || e.rule === f.rule || f.rule.startsWith(`${e.rule}:`)) && e.re.test(f.path));
}
