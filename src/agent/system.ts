/**
 * What the first-boot agent changes on the clone it runs in: host name, time zone, locale, keyboard,
 * accounts and passwords, SSH host keys. Files go through the RootFs of "/" (recorded, logged); the
 * rest through the image's own tools (ssh-keygen, useradd, chpasswd), so passwords are hashed the way
 * the image hashes them (yescrypt on Debian 12, SHA-512 crypt elsewhere, per login.defs and PAM).
 * Secrets travel on standard input only, never on a command line or in a log.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as nodefs from 'node:fs';
import { PantherLog } from '../core/panther.js';
import { RootFs } from '../rootfs/rootfs.js';

export interface Sys {
  fs: RootFs;
  log: PantherLog;
}

export interface CmdResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a program; `input` (stdin) is never logged. */
export function cmd(sys: Sys, argv: string[], options: { input?: string; quietLog?: boolean; env?: NodeJS.ProcessEnv } = {}): CmdResult {
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    input: options.input ?? '',
    env: options.env ?? process.env,
    maxBuffer: 16 << 20,
  });
  const result = { status: r.error ? 127 : r.status ?? 128, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? r.error.message : '') };
  if (!options.quietLog) sys.log.info(`ran ${argv.join(' ')}: exit ${result.status}`);
  return result;
}

export function which(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const p = `${dir}/${name}`;
    try {
      nodefs.accessSync(p, nodefs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// host name

/** A name Windows-style (`DESKTOP-7K2QF9A`), Linux-valid: the OS id and 7 random characters. */
export function generatedHostname(osId: string): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(7);
  const tail = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
  const prefix = (osId.replace(/[^a-z0-9]/gi, '').toLowerCase() || 'linux').slice(0, 8);
  return `${prefix}-${tail}`;
}

/** A Windows ComputerName made into a Linux host name (lower case; invalid characters become '-'). */
export function linuxHostname(computerName: string): string {
  const n = computerName.trim().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return n.slice(0, 63) || 'linux';
}

export function setHostname(sys: Sys, name: string): void {
  sys.fs.writeText('/etc/hostname', `${name}\n`, { mode: 0o644 });
  const hosts = sys.fs.readText('/etc/hosts') ?? '127.0.0.1\tlocalhost\n';
  const lines = hosts.split('\n').filter((l) => !/^127\.0\.1\.1\s/.test(l));
  const at = lines.findIndex((l) => /^127\.0\.0\.1\s/.test(l));
  lines.splice(at >= 0 ? at + 1 : 0, 0, `127.0.1.1\t${name}`);
  sys.fs.writeText('/etc/hosts', lines.join('\n'));
  if (sys.fs.root === '/' && !sys.fs.dryRun) {
    // the kernel's name, now: hostnamectl needs D-Bus, which is not up this early
    try {
      nodefs.writeFileSync('/proc/sys/kernel/hostname', name);
    } catch (err) {
      sys.log.warn(`could not set the running host name: ${String(err)}`);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// time zone, locale, keyboard

export function setTimeZone(sys: Sys, iana: string): boolean {
  if (!sys.fs.isFile(`/usr/share/zoneinfo/${iana}`)) {
    sys.log.warn(`time zone ${iana}: /usr/share/zoneinfo/${iana} is not in this image (tzdata); not set`);
    return false;
  }
  if (sys.fs.readLink('/etc/localtime') !== `/usr/share/zoneinfo/${iana}`) {
    sys.fs.remove('/etc/localtime');
    if (!sys.fs.dryRun) nodefs.symlinkSync(`/usr/share/zoneinfo/${iana}`, sys.fs.resolve('/etc/localtime', false));
  }
  if (sys.fs.exists('/etc/timezone')) sys.fs.writeText('/etc/timezone', `${iana}\n`);
  return true;
}

/** LANG for the system: /etc/default/locale (Debian) or /etc/locale.conf (systemd distributions). */
export function setLocale(sys: Sys, locale: string): void {
  const line = `LANG=${locale}\n`;
  if (sys.fs.exists('/etc/default/locale') || !sys.fs.exists('/etc/locale.conf')) sys.fs.writeText('/etc/default/locale', line);
  if (sys.fs.exists('/etc/locale.conf')) sys.fs.writeText('/etc/locale.conf', line);
  // make it available when the image can build locales (Debian's locales package)
  const gen = sys.fs.readText('/etc/locale.gen');
  if (gen !== undefined && which('locale-gen')) {
    const available = cmd(sys, ['locale', '-a'], { quietLog: true }).stdout.toLowerCase().replace(/-/g, '');
    const want = locale.toLowerCase().replace(/-/g, '');
    if (!available.split('\n').includes(want)) {
      const entry = `${locale} ${locale.split('.')[1] ?? 'UTF-8'}`;
      const re = new RegExp(`^#\\s*${locale.replace(/[.]/g, '\\.')}\\s`, 'm');
      sys.fs.writeText('/etc/locale.gen', re.test(gen) ? gen.replace(re, `${locale} `) : `${gen.trimEnd()}\n${entry}\n`);
      // Compiling a locale takes seconds (tens of seconds on a slow virtual CPU) and nothing at first
      // boot needs it before a person logs in: on a booted system it runs beside the boot, as its own
      // transient unit; offline (or without systemd) it runs here.
      const background = sys.fs.root === '/' && nodefs.existsSync('/run/systemd/system') && which('systemd-run');
      const r = background
        ? cmd(sys, ['systemd-run', '--no-block', '--unit=sysprep-locale-gen', '--description=sysprep: compile the locale', '--', which('locale-gen')!])
        : cmd(sys, ['locale-gen']);
      if (r.status !== 0) sys.log.warn(`locale-gen failed: ${r.stderr.trim()}`);
      else if (background) sys.log.info(`locale ${locale}: compiling in the background (unit sysprep-locale-gen)`);
    }
  }
}

/** The console and X keyboard: /etc/default/keyboard (Debian) and /etc/vconsole.conf (systemd). */
export function setKeyboard(sys: Sys, layout: string, variant = ''): void {
  const kb = sys.fs.readText('/etc/default/keyboard');
  if (kb !== undefined || !sys.fs.exists('/etc/vconsole.conf')) {
    const base = kb ?? 'XKBMODEL="pc105"\nXKBLAYOUT="us"\nXKBVARIANT=""\nXKBOPTIONS=""\nBACKSPACE="guess"\n';
    const set = (text: string, key: string, value: string) =>
      new RegExp(`^${key}=`, 'm').test(text) ? text.replace(new RegExp(`^${key}=.*$`, 'm'), `${key}="${value}"`) : `${text.trimEnd()}\n${key}="${value}"\n`;
    sys.fs.writeText('/etc/default/keyboard', set(set(base, 'XKBLAYOUT', layout), 'XKBVARIANT', variant));
  }
  if (sys.fs.exists('/etc/vconsole.conf')) {
    const text = sys.fs.readText('/etc/vconsole.conf') ?? '';
    const lines = text.split('\n').filter((l) => l && !/^(KEYMAP|XKBLAYOUT|XKBVARIANT)=/.test(l));
    lines.push(`KEYMAP=${layout}${variant ? '-' + variant : ''}`, `XKBLAYOUT=${layout}`, ...(variant ? [`XKBVARIANT=${variant}`] : []));
    sys.fs.writeText('/etc/vconsole.conf', lines.join('\n') + '\n');
  }
}

// ------------------------------------------------------------------------------------------------
// SSH host keys

/** The host key files sshd is configured to use (HostKey lines), or its defaults. */
export function sshHostKeyFiles(fs: RootFs): { type: string; file: string }[] {
  const texts = [fs.readText('/etc/ssh/sshd_config') ?? '', ...fs.glob('/etc/ssh/sshd_config.d/*.conf').map((f) => fs.readText(f) ?? '')];
  const files = texts.flatMap((t) => [...t.matchAll(/^\s*HostKey\s+(\S+)/gim)].map((m) => m[1]!));
  const list = files.length ? files : ['/etc/ssh/ssh_host_rsa_key', '/etc/ssh/ssh_host_ecdsa_key', '/etc/ssh/ssh_host_ed25519_key'];
  return list.map((file) => {
    const m = /ssh_host_(\w+)_key$/.exec(file);
    return { type: m?.[1] ?? 'ed25519', file };
  });
}

/** Make the missing host keys (before sshd starts): the types the image's sshd uses. */
export function generateHostKeys(sys: Sys): string[] {
  const keygen = which('ssh-keygen');
  if (!keygen || !sys.fs.isDirectory('/etc/ssh')) return [];
  const made: string[] = [];
  const host = sys.fs.readText('/etc/hostname')?.trim() || 'localhost';
  for (const { type, file } of sshHostKeyFiles(sys.fs)) {
    if (sys.fs.exists(file)) continue;
    if (sys.fs.dryRun) {
      made.push(file);
      continue;
    }
    const r = cmd(sys, [keygen, '-q', '-N', '', '-t', type, '-C', `root@${host}`, '-f', sys.fs.resolve(file)]);
    if (r.status !== 0) throw new Error(`ssh-keygen -t ${type} failed: ${r.stderr.trim()}`);
    made.push(file, `${file}.pub`);
  }
  return made;
}

// ------------------------------------------------------------------------------------------------
// accounts

export function groupNames(fs: RootFs): string[] {
  return (fs.readText('/etc/group') ?? '').split('\n').map((l) => l.split(':')[0]!).filter(Boolean);
}

export function accountExists(fs: RootFs, name: string): boolean {
  return (fs.readText('/etc/passwd') ?? '').split('\n').some((l) => l.split(':')[0] === name);
}

/** A valid Linux user name from a Windows one (lower case, no spaces). */
export function linuxUserName(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9_.-]/g, '_').replace(/^[^a-z_]+/, '').slice(0, 32);
}

export function createUser(sys: Sys, name: string, options: { fullName?: string; groups: string[] }): void {
  if (accountExists(sys.fs, name)) {
    if (options.groups.length) cmd(sys, ['usermod', '-a', '-G', options.groups.join(','), name]);
    return;
  }
  const argv = ['useradd', '-m', '-s', sys.fs.isFile('/bin/bash') ? '/bin/bash' : '/bin/sh'];
  if (options.fullName) argv.push('-c', options.fullName);
  if (options.groups.length) argv.push('-G', options.groups.join(','));
  argv.push(name);
  const r = cmd(sys, argv);
  if (r.status !== 0) throw new Error(`useradd ${name} failed: ${r.stderr.trim()}`);
}

/** Set a password through chpasswd (the image's PAM and login.defs choose the hash). */
export function setPassword(sys: Sys, user: string, password: string): void {
  if (/[:\n]/.test(user) || password.includes('\n')) throw new Error(`cannot set the password of ${user}: invalid characters`);
  const r = cmd(sys, ['chpasswd'], { input: `${user}:${password}\n` });
  if (r.status !== 0) throw new Error(`chpasswd for ${user} failed: ${r.stderr.trim()}`);
  sys.log.info(`password of ${user} set (hashed by the image's chpasswd)`);
}

/** The hash an account has now (for tests and checks; never logged). */
export function shadowHash(fs: RootFs, user: string): string | undefined {
  return (fs.readText('/etc/shadow') ?? '').split('\n').find((l) => l.split(':')[0] === user)?.split(':')[1];
}
