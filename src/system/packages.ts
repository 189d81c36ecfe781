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
  const aliases = new Map<string, string>();
  for (const top of fs.list('/')) {
    const link = fs.lstat(`/${top}`)?.isSymbolicLink() ? fs.readLink(`/${top}`) : undefined;
    if (link && fs.isDirectory(`/${top}`)) aliases.set(`/${top}`, fs.realTargetPath(`/${top}`));
  }
  const canonical = (p: string) => {
    const top = p.slice(0, p.indexOf('/', 1) >>> 0);
    const real = aliases.get(top);
    return real ? real + p.slice(top.length) : p;
  };
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
