/**
 * File-tree snapshots and diffs: what a run changed, seen from outside sysprep (lstat of every entry,
 * never following links). Content changes show through size, mtime and inode; modes, owners and link
 * targets are compared directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

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

export function snapshot(root: string, options: { dirMtimes?: boolean } = {}): Tree {
  const tree: Tree = new Map();
  const visit = (host: string, rel: string) => {
    const st = fs.lstatSync(host, { bigint: true });
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
    if (type === 'dir') for (const name of fs.readdirSync(host)) visit(path.join(host, name), `${rel}/${name}`);
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

function big(_k: string, v: unknown) {
  return typeof v === 'bigint' ? v.toString() : v;
}

