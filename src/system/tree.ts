/**
 * File-tree snapshots and diffs: what a run changed, seen from outside sysprep (lstat of every entry,
 * never following links). Content changes show through size, mtime and inode; modes, owners and link
 * targets are compared directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RootFs } from '../rootfs/rootfs.js';

export interface Entry {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeNs: bigint;
  ino: bigint;
  link?: string;
}

export type Tree = Map<string, Entry>;

export interface SnapshotOptions {
  dirMtimes?: boolean;
  /** host paths of directories left out with everything below them (their entry itself is kept) */
  skip?: ReadonlySet<string>;
}

export function snapshot(root: string, options: SnapshotOptions = {}): Tree {
  const tree: Tree = new Map();
  const visit = (host: string, rel: string) => {
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(host, { bigint: true });
    } catch {
      return; // gone between readdir and lstat: something else is changing the tree meanwhile
    }
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other';
    tree.set(rel || '/', {
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: type === 'dir' ? 0 : Number(st.size),
      mtimeNs: type === 'dir' && !options.dirMtimes ? 0n : st.mtimeNs,
      ino: type === 'dir' ? 0n : st.ino,
      ...(type === 'link' ? { link: fs.readlinkSync(host) } : {}),
    });
    if (type !== 'dir' || (rel && options.skip?.has(host))) return;
    let names: string[];
    try {
      names = fs.readdirSync(host);
    } catch {
      return;
    }
    for (const name of names) visit(path.join(host, name), `${rel}/${name}`);
  };
  visit(root, '');
  return tree;
}

export interface TreeDiff {
  /** removed paths, collapsed: a removed directory hides its removed contents */
  removed: string[];
  added: string[];
  changed: string[];
}

function collapse(paths: string[]): string[] {
  const sorted = [...paths].sort();
  const out: string[] = [];
  for (const p of sorted) if (!out.some((q) => p.startsWith(q + '/'))) out.push(p);
  return out;
}

export function diff(before: Tree, after: Tree, ignore: (p: string) => boolean = () => false): TreeDiff {
  const removed: string[] = [];
  const added: string[] = [];
  const changed: string[] = [];
  for (const [p, a] of before) {
    if (ignore(p)) continue;
    const b = after.get(p);
    if (!b) removed.push(p);
    else if (JSON.stringify(a, big) !== JSON.stringify(b, big)) changed.push(p);
  }
  for (const p of after.keys()) if (!before.has(p) && !ignore(p)) added.push(p);
  return { removed: collapse(removed), added: collapse(added), changed: changed.sort() };
}

/** List a diff's paths as changes a program made (RootFs.recordExternal), each with `detail`. */
export function recordDiff(fs: Pick<RootFs, 'recordExternal'>, d: TreeDiff, detail: string): number {
  for (const p of d.removed) fs.recordExternal(p, 'removed', detail);
  for (const p of d.added) fs.recordExternal(p, 'created', detail);
  for (const p of d.changed) fs.recordExternal(p, 'modified', detail);
  return d.removed.length + d.added.length + d.changed.length;
}

function big(_k: string, v: unknown) {
  return typeof v === 'bigint' ? v.toString() : v;
}


/** File systems whose contents are not the image's: kernel interfaces, memory, the network, read-only packs. */
const NOT_IMAGE_FS = /^(proc|sysfs|devtmpfs|devpts|tmpfs|ramfs|cgroup2?|securityfs|debugfs|tracefs|bpf|mqueue|hugetlbfs|configfs|pstore|efivarfs|binfmt_misc|fusectl|autofs|rpc_pipefs|nfsd?|nfs4|cifs|smb3|9p|fuse\..*|squashfs|iso9660|nsfs)$/;

/**
 * The mount points under `root` (host paths, from /proc/self/mountinfo) that a snapshot of the
 * target leaves out: /proc, /sys, /dev and /run as mounted for a chrooted command or on a running
 * system, network shares, snap packs. The target's own file systems (/boot, /var) are walked.
 */
export function foreignMounts(root: string): Set<string> {
  const out = new Set<string>();
  let text = '';
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  const prefix = root === '/' ? '/' : root.replace(/\/+$/, '') + '/';
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (sep < 0) continue;
    // mountinfo escapes blanks in paths as octal
    const mountPoint = fields[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mountPoint.startsWith(prefix) && NOT_IMAGE_FS.test(fields[sep + 1]!)) out.add(mountPoint);
  }
  return out;
}
