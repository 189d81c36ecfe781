/**
 * What the target's package manager says about its files: which package owns a path, and the
 * checksum the package shipped it with (dpkg's info/*.md5sums). A file a package shipped and nobody
 * changed holds nothing of the machine it is on: `sysprep verify` does not report chance matches in
 * it (a host name such as "debian" is in a thousand documentation files).
 *
 * Debian's dpkg only; on other families nothing is known (every file is the machine's own).
 */
import { createHash } from 'node:crypto';
import * as nodefs from 'node:fs';
import type { RootFs } from '../rootfs/rootfs.js';

export interface PackageFiles {
  /** dpkg's database was read */
  readonly known: boolean;
  /** the checksum (md5, hex) a package shipped this path with */
  md5(path: string): string | undefined;
  /** a package shipped this path and it is unchanged (its md5 matches) */
  shippedUnchanged(path: string): boolean;
}

const INFO = '/var/lib/dpkg/info';

let chunk: Buffer | undefined;

/** md5 of a regular file, read in chunks (memory stays flat whatever its size); undefined for anything else. */
export function md5OfFile(host: string): string | undefined {
  const fd = nodefs.openSync(host, nodefs.constants.O_RDONLY | nodefs.constants.O_NOFOLLOW | nodefs.constants.O_NONBLOCK);
  try {
    if (!nodefs.fstatSync(fd).isFile()) return undefined;
    const h = createHash('md5');
    const buf = (chunk ??= Buffer.allocUnsafe(1 << 20));
    for (let n; (n = nodefs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } finally {
    nodefs.closeSync(fd);
  }
}

export function packageFiles(fs: RootFs): PackageFiles {
  const sums = new Map<string, string>();
  const known = fs.isDirectory(INFO);
  // a merged /usr: dpkg lists /lib/modules/…, the file is /usr/lib/modules/… (/lib is a link to usr/lib)
  const canonical = realSpelling(fs);
  if (known) {
    for (const name of fs.list(INFO)) {
      if (!name.endsWith('.md5sums')) continue;
      const text = fs.readText(`${INFO}/${name}`) ?? '';
      for (const line of text.split('\n')) {
        // "d41d8cd98f00b204e9800998ecf8427e  usr/share/doc/x/copyright"
        const m = /^([0-9a-f]{32}) {2}(.+)$/.exec(line);
        if (m) sums.set(canonical(`/${m[2]}`), m[1]!);
      }
    }
  }
  const verdict = new Map<string, boolean>();
  return {
    known,
    md5: (p) => sums.get(p),
    shippedUnchanged(p) {
      const want = sums.get(p);
      if (!want) return false;
      let v = verdict.get(p);
      if (v === undefined) {
        v = false;
        try {
          v = md5OfFile(fs.resolve(p, false)) === want;
        } catch {
          v = false;
        }
        verdict.set(p, v);
      }
      return v;
    },
  };
}

// ---------------------------------------------------------------- ownership

export type PackageManager = 'dpkg' | 'rpm' | 'none';

export interface Ownership {
  manager: PackageManager;
  /** target paths some package owns (dpkg only), as the database spells them and really resolved */
  owned: Set<string>;
}

/** The package manager's own record of which files its packages own. */
export function packageOwnership(fs: RootFs): Ownership {
  if (fs.isDirectory('/var/lib/dpkg/info')) return { manager: 'dpkg', owned: dpkgOwned(fs) };
  // RPM: ownership lives in rpm's database (rpmdb.sqlite, Packages.db, or Berkeley DB), which we do
  // not parse yet; without it every file would look unowned, so the caller reports nothing.
  if (fs.isDirectory('/var/lib/rpm') || fs.isDirectory('/usr/lib/sysimage/rpm')) return { manager: 'rpm', owned: new Set() };
  return { manager: 'none', owned: new Set() };
}

function dpkgOwned(fs: RootFs): Set<string> {
  const owned = new Set<string>();
  const add = (p: string) => {
    const t = p.trim();
    if (t.startsWith('/')) owned.add(t.length > 1 && t.endsWith('/') ? t.slice(0, -1) : t);
  };
  const info = '/var/lib/dpkg/info';
  for (const name of fs.list(info)) {
    if (name.endsWith('.list')) {
      for (const line of (fs.readText(`${info}/${name}`) ?? '').split('\n')) add(line);
    } else if (name.endsWith('.conffiles')) {
      // "/etc/foo" or, since dpkg 1.20, flags before it ("remove-on-upgrade /etc/foo")
      for (const line of (fs.readText(`${info}/${name}`) ?? '').split('\n')) {
        const p = line.split(/\s+/).find((w) => w.startsWith('/'));
        if (p) add(p);
      }
    }
  }
  // status: " /etc/foo <md5> [obsolete|remove-on-upgrade]" under Conffiles:
  for (const line of (fs.readText('/var/lib/dpkg/status') ?? '').split('\n')) {
    if (line.startsWith(' /')) add(line.slice(1).split(/\s+/)[0]!);
  }
  // diversions: triples of (path, where the original went, diverting package)
  const div = (fs.readText('/var/lib/dpkg/diversions') ?? '').split('\n');
  for (let i = 0; i + 1 < div.length; i += 3) {
    add(div[i]!);
    add(div[i + 1]!);
  }
  // alternatives: mode, master link, then (slave name, slave link) pairs up to an empty line
  const alt = '/var/lib/dpkg/alternatives';
  for (const name of fs.list(alt)) {
    const lines = (fs.readText(`${alt}/${name}`) ?? '').split('\n');
    if (lines.length < 2) continue;
    add(lines[1]!);
    add(`/etc/alternatives/${name}`);
    for (let i = 2; i + 1 < lines.length && lines[i] !== ''; i += 2) {
      add(lines[i + 1]!);
      add(`/etc/alternatives/${lines[i]}`);
    }
  }
  // a package may spell a path through a linked directory (/lib → usr/lib): own its real spelling too
  const real = realSpelling(fs);
  for (const p of [...owned]) owned.add(real(p));
  return owned;
}

/**
 * A path as the target really spells it: its directory resolved through the target's links (a package
 * spells /lib/modules/…, a merged /usr has /usr/lib/modules/…). Directories are few (hundreds): each is
 * resolved once.
 */
export function realSpelling(fs: RootFs): (p: string) => string {
  const realDir = new Map<string, string>();
  return (p) => {
    const slash = p.lastIndexOf('/');
    const dir = slash <= 0 ? '/' : p.slice(0, slash);
    let real = realDir.get(dir);
    if (real === undefined) {
      try {
        real = fs.realTargetPath(dir);
      } catch {
        real = dir;
      }
      realDir.set(dir, real);
    }
    return real === dir ? p : (real === '/' ? '' : real) + p.slice(slash);
  };
}
