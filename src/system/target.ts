/**
 * What sysprep knows about the system it prepares: which distribution family's file layout to expect,
 * who the accounts are, whether it is the running system. Read once per run through the RootFs.
 */
import { RootFs } from '../rootfs/rootfs.js';

export type DistroFamily = 'debian' | 'rhel' | 'suse' | 'arch';
export const DISTRO_FAMILIES: readonly DistroFamily[] = ['debian', 'rhel', 'suse', 'arch'];

export interface OsRelease {
  id: string;
  versionId: string;
  idLike: string[];
  prettyName: string;
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Target {
  fs: RootFs;
  /** true when the target is the running system (root "/") */
  running: boolean;
  os: OsRelease;
  family: DistroFamily | undefined;
  accounts: Account[];
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    }
    out[m[1]!] = v;
  }
  return out;
}

export function readOsRelease(fs: RootFs): OsRelease | undefined {
  const text = fs.readText('/etc/os-release') ?? fs.readText('/usr/lib/os-release');
  if (text === undefined) return undefined;
  const kv = parseOsRelease(text);
  return {
    id: (kv.ID ?? 'linux').toLowerCase(),
    versionId: kv.VERSION_ID ?? '',
    idLike: (kv.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    prettyName: kv.PRETTY_NAME ?? kv.NAME ?? kv.ID ?? 'Linux',
  };
}

/** Map os-release ID / ID_LIKE to the file-layout family the providers know. */
export function familyOf(os: OsRelease): DistroFamily | undefined {
  const ids = [os.id, ...os.idLike];
  const has = (...names: string[]) => ids.some((id) => names.includes(id));
  if (has('debian', 'ubuntu', 'kali', 'raspbian', 'linuxmint', 'pop')) return 'debian';
  if (has('rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'ol', 'amzn', 'scientific')) return 'rhel';
  if (has('suse', 'opensuse', 'sles', 'sled', 'opensuse-leap', 'opensuse-tumbleweed')) return 'suse';
  if (has('arch', 'manjaro', 'endeavouros')) return 'arch';
  return undefined;
}

export function parsePasswd(text: string): Account[] {
  const accounts: Account[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    accounts.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! });
  }
  return accounts;
}

/**
 * Distinct home directories named in /etc/passwd that exist in the target, in passwd order (root
 * first). virt-sysprep only looks at /root and /home/*; people's homes also live in /srv, /var/lib
 * (postgres, gitea) or /data. With `systemAccounts` false, only root and login users (UID ≥ UID_MIN
 * of login.defs) count: a service's home holds that service's data, not a person's state.
 */
export function homeDirectories(target: Target, options: { systemAccounts: boolean }): string[] {
  const uidMin = loginDefsNumber(target.fs, 'UID_MIN') ?? 1000;
  const homes = new Set<string>();
  for (const a of target.accounts) {
    if (!a.home || a.home === '/' || a.home === '/nonexistent') continue;
    if (!options.systemAccounts && a.uid !== 0 && !(a.uid >= uidMin && a.uid < 60000)) continue;
    if (target.fs.isDirectory(a.home)) homes.add(a.home.replace(/\/+$/, '') || '/');
  }
  return [...homes];
}

/** Why a directory is not an OS root, or undefined when it looks like one. */
export function notAnOsRoot(fs: RootFs): string | undefined {
  if (!fs.isFile('/etc/os-release') && !fs.isFile('/usr/lib/os-release')) return 'it has no /etc/os-release';
  if (!fs.isFile('/etc/passwd')) return 'it has no /etc/passwd';
  if (!fs.isDirectory('/usr/bin')) return 'it has no /usr/bin';
  if (!fs.isDirectory('/var')) return 'it has no /var';
  return undefined;
}

export function loadTarget(fs: RootFs): Target {
  const os = readOsRelease(fs) ?? { id: 'linux', versionId: '', idLike: [], prettyName: 'Linux' };
  return {
    fs,
    running: fs.root === '/',
    os,
    family: familyOf(os),
    accounts: parsePasswd(fs.readText('/etc/passwd') ?? ''),
  };
}

/** A numeric setting of /etc/login.defs (UID_MIN, UID_MAX, …). */
export function loginDefsNumber(fs: RootFs, key: string): number | undefined {
  const text = fs.readText('/etc/login.defs');
  if (!text) return undefined;
  const m = new RegExp(`^\\s*${key}\\s+(\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}
