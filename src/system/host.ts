/**
 * Names and facts of the system the first boot sets up, shared by the planner and the interactive
 * OOBE: host and user names made valid for Linux, the host keys sshd uses, the image's groups and
 * accounts. The changes themselves are the runner's (firstboot.bash), with the image's own tools.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_HOST_KEY_TYPES, HOSTNAME_ALPHABET, HOSTNAME_RANDOM_LENGTH } from '../model/identity.js';
import { RootFs } from '../rootfs/rootfs.js';

/** The prefix of generated host names (DESKTOP-… on Windows): the OS id. */
export function hostnamePrefix(osId: string): string {
  return (osId.replace(/[^a-z0-9]/gi, '').toLowerCase() || 'linux').slice(0, 8);
}

/** A name Windows-style (`DESKTOP-7K2QF9A`), Linux-valid: the OS id and 7 random characters (as the runner makes them). */
export function generatedHostname(osId: string): string {
  const tail = [...randomBytes(HOSTNAME_RANDOM_LENGTH)].map((b) => HOSTNAME_ALPHABET[b % HOSTNAME_ALPHABET.length]).join('');
  return `${hostnamePrefix(osId)}-${tail}`;
}

/** A Windows ComputerName made into a Linux host name (lower case; invalid characters become '-'). */
export function linuxHostname(computerName: string): string {
  const n = computerName.trim().toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  return n.slice(0, 63) || 'linux';
}

/** The host key files sshd is configured to use (HostKey lines), or its defaults. */
export function sshHostKeyFiles(fs: RootFs): { type: string; file: string }[] {
  const texts = [fs.readText('/etc/ssh/sshd_config') ?? '', ...fs.glob('/etc/ssh/sshd_config.d/*.conf').map((f) => fs.readText(f) ?? '')];
  const files = texts.flatMap((t) => [...t.matchAll(/^\s*HostKey\s+(\S+)/gim)].map((m) => m[1]!));
  const list = files.length ? files : DEFAULT_HOST_KEY_TYPES.map((t) => `/etc/ssh/ssh_host_${t}_key`);
  return list.map((file) => {
    const m = /ssh_host_(\w+)_key$/.exec(file);
    return { type: m?.[1] ?? 'ed25519', file };
  });
}

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

/**
 * DeviceForm: the chassis type in /etc/machine-info, as `hostnamectl set-chassis` writes it (other
 * lines kept, blank lines dropped, CHASSIS= last). The runner's op_chassis does the same edit at first
 * boot; src/system/host.test.ts runs both on the same inputs and compares.
 */
export function chassisEdit(machineInfo: string | undefined, chassis: string): string {
  const kept = (machineInfo ?? '').split('\n').filter((l) => l && !/^CHASSIS=/.test(l));
  return [...kept, `CHASSIS=${chassis}`].join('\n') + '\n';
}

export function setChassis(fs: RootFs, chassis: string): void {
  fs.writeText('/etc/machine-info', chassisEdit(fs.readText('/etc/machine-info'), chassis), { detail: `CHASSIS=${chassis}` });
}
