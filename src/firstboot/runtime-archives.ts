/**
 * The agent's runtime packed (`--agent packed`): a tar holding `node`, in the three forms
 * PACKED_RUNTIMES names (src/model/paths.ts). xz is made once, by the build (`xz` cannot be written
 * from Node.js); the other two are derived here, by the build (scripts/bundle.mjs) and by a seal whose
 * installation of sysprep carries only the xz form (the .deb and the tarball, to stay small):
 *
 * - `.deb`: the xz stream as it is, as the data member of a .deb (an ar archive: debian-binary,
 *   control.tar.gz, data.tar.xz), which `dpkg-deb --fsys-tarfile` unpacks where xz is not installed
 *   (a debootstrap root). Never installed, only read.
 * - `.tar.gz`: the runtime itself, tarred and gzipped (zlib), for an image with neither tool.
 */
import * as nodefs from 'node:fs';
import { gzipSync } from 'node:zlib';

/** A ustar header for one regular file (owner root, the given mode and time). */
function tarHeader(name: string, size: number, mode: number, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  const field = (at: number, len: number, value: string) => h.write(value, at, len, 'ascii');
  const octal = (at: number, len: number, n: number) => field(at, len, n.toString(8).padStart(len - 1, '0') + '\0');
  field(0, 100, name);
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, mtime);
  field(148, 8, ' '.repeat(8));
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  field(265, 32, 'root');
  field(297, 32, 'root');
  let sum = 0;
  for (const b of h) sum += b;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

const padding = (size: number, block: number) => Buffer.alloc((block - (size % block)) % block);

/** A tar of one file held in memory: its header, the content to a whole block, the two end blocks. */
function tarOf(name: string, content: Buffer, mode: number): Buffer {
  return Buffer.concat([tarHeader(name, content.length, mode, 0), content, padding(content.length, 512), Buffer.alloc(1024)]);
}

/** One ar member: its 60-byte header, the data, a newline to an even length. */
function arMember(name: string, size: number): Buffer {
  const f = (s: string, len: number) => s.padEnd(len, ' ');
  return Buffer.from(`${f(name, 16)}${f('0', 12)}${f('0', 6)}${f('0', 6)}${f('100644', 8)}${f(String(size), 10)}\`\n`, 'ascii');
}

/** The .deb's control file; Installed-Size is what the launcher reads to choose where to unpack. */
const control = (kib: number) => 'Package: sysprep-agent-runtime\nVersion: 0\nArchitecture: all\nMaintainer: sysprep\n' +
  `Installed-Size: ${kib}\nDescription: the runtime of the first-boot agent of sysprep (unpacked by it, never installed)\n`;

/** The size of tarOf's tar of a file of SIZE bytes. */
const tarBytes = (size: number) => 512 + size + padding(size, 512).length + 1024;

/**
 * Write OUT: the .deb form of XZ, the xz-compressed tar of the runtime file NODE (the same bytes as
 * its data member; NODE gives the size it unpacks to).
 */
export function debOfXz(xz: string, out: string, node: string): void {
  const kib = Math.ceil(tarBytes(nodefs.statSync(node).size) / 1024);
  const member = gzipSync(tarOf('./control', Buffer.from(control(kib)), 0o644), { level: 9 });
  const size = nodefs.statSync(xz).size;
  const fd = nodefs.openSync(out, 'w', 0o644);
  try {
    const head = [Buffer.from('!<arch>\n'), arMember('debian-binary', 4), Buffer.from('2.0\n'),
      arMember('control.tar.gz', member.length), member, padding(member.length, 2), arMember('data.tar.xz', size)];
    nodefs.writeSync(fd, Buffer.concat(head));
    const buf = Buffer.alloc(1 << 20);
    const inFd = nodefs.openSync(xz, 'r');
    try {
      for (let n; (n = nodefs.readSync(inFd, buf, 0, buf.length, null)) > 0;) nodefs.writeSync(fd, buf, 0, n);
    } finally {
      nodefs.closeSync(inFd);
    }
    nodefs.writeSync(fd, padding(size, 2));
  } finally {
    nodefs.closeSync(fd);
  }
}

/** Write OUT: `node` (the runtime file NODE, mode 0755) tarred and gzipped (in memory: ~90 MB, once). */
export function tarGzOfRuntime(node: string, out: string): void {
  nodefs.writeFileSync(out, gzipSync(tarOf('node', nodefs.readFileSync(node), 0o755), { level: 9 }), { mode: 0o644 });
}
