import { defineProvider, ProviderContext } from './api.js';
import { Account, loginDefsNumber } from '../system/target.js';
import { count, editLines } from './_shared.js';

/** Directories that are never anyone's home to remove, whatever /etc/passwd says. */
const SYSTEM_DIRS = new Set([
  '', '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib64', '/media', '/mnt', '/opt', '/proc', '/root', '/run',
  '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/local', '/var', '/var/lib', '/var/spool', '/var/mail', '/var/tmp',
  '/var/www', '/nonexistent',
]);

/**
 * Remove local user accounts (opt-in; virt-sysprep's user-account). Which ones: every login account
 * (UID_MIN..UID_MAX of /etc/login.defs), narrowed by --remove-user-accounts and spared by
 * --keep-user-accounts (keep wins). root and system accounts are never touched. For each: its lines in
 * passwd, shadow, group membership lists, its own private group, gshadow, subuid and subgid; its
 * mailbox and crontab; and its home directory (that is the point, and why the provider is opt-in) —
 * unless that directory is a system directory (/srv, /var/lib …) or holds the home of an account that
 * stays (a service's home given to a login account): then only the account goes.
 */
export function accountsToRemove(ctx: ProviderContext): Account[] {
  const min = loginDefsNumber(ctx.fs, 'UID_MIN') ?? 1000;
  const max = loginDefsNumber(ctx.fs, 'UID_MAX') ?? 60000;
  const { keepUserAccounts: keep, removeUserAccounts: remove } = ctx.options;
  return ctx.target.accounts.filter((a) => {
    if (a.uid === 0 || a.uid < min || a.uid > max) return false;
    if (keep.includes(a.name)) return false;
    if (remove.length && !remove.includes(a.name) && !remove.includes('*')) return false;
    return true;
  });
}

export default defineProvider({
  id: 'user-account',
  summary: 'Remove local login accounts and their homes (opt-in; see --keep-user-accounts, --remove-user-accounts)',
  pass: 'generalize',
  defaultEnabled: false,
  validate(ctx) {
    const known = new Set(ctx.target.accounts.map((a) => a.name));
    for (const name of [...ctx.options.keepUserAccounts, ...ctx.options.removeUserAccounts]) {
      if (name !== '*' && !known.has(name)) ctx.log.warn(`user-account: no account "${name}" in /etc/passwd`);
    }
    for (const name of ctx.options.removeUserAccounts) {
      const a = ctx.target.accounts.find((x) => x.name === name);
      if (a && a.uid === 0) throw new Error(`user-account: refusing to remove "${name}" (uid 0)`);
    }
  },
  run(ctx) {
    const victims = accountsToRemove(ctx);
    if (!victims.length) return;
    const names = new Set(victims.map((a) => a.name));
    const byName = (line: string) => !names.has(line.split(':')[0]!);
    for (const f of ['/etc/passwd', '/etc/shadow', '/etc/subuid', '/etc/subgid']) editLines(ctx, f, (l) => l.filter(byName));
    const privateGroups = new Set(victims.map((a) => a.gid));
    const editGroup = (lines: string[], gidField: boolean) =>
      lines.flatMap((line) => {
        const f = line.split(':');
        if (f.length < 4) return [line];
        // the account's own private group goes with it
        if (names.has(f[0]!) && (!gidField || privateGroups.has(Number(f[2])))) return [];
        const members = f[3]!.split(',').filter((m) => m && !names.has(m));
        const admins = gidField ? undefined : f[2]!.split(',').filter((m) => m && !names.has(m));
        if (admins) f[2] = admins.join(',');
        f[3] = members.join(',');
        return [f.join(':')];
      });
    editLines(ctx, '/etc/group', (l) => editGroup(l, true));
    editLines(ctx, '/etc/gshadow', (l) => editGroup(l, false));
    const staying = ctx.target.accounts.filter((a) => !names.has(a.name));
    for (const a of victims) {
      for (const p of [`/var/mail/${a.name}`, `/var/spool/mail/${a.name}`, `/var/spool/cron/crontabs/${a.name}`, `/var/spool/cron/${a.name}`]) {
        if (ctx.fs.lstat(p)?.isFile()) ctx.fs.remove(p);
      }
      const home = a.home.replace(/\/+$/, '');
      if (!home || !ctx.fs.isDirectory(home)) continue;
      // a home that is a system directory, or that holds the home of an account that stays, is not
      // this account's alone: the account goes, the directory stays
      const shared = staying.find((o) => {
        const h = o.home.replace(/\/+$/, '');
        return h === home || h.startsWith(home + '/');
      });
      if (SYSTEM_DIRS.has(home) || shared) {
        ctx.log.warn(`user-account: kept ${home}, the home of ${a.name}: ${shared ? `it holds the home of ${shared.name}` : 'a system directory'}`);
        continue;
      }
      ctx.fs.remove(home, `home of ${a.name}`);
    }
    ctx.note(`removed ${count(victims.length, 'account')}: ${[...names].join(', ')}`);
  },
});
