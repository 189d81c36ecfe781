/**
 * Helpers several providers share. Not providers themselves. Everything goes through ctx.fs, so it
 * is confined to the target, recorded, and skipped in a dry run.
 */
import { ProviderContext } from './api.js';
import { homeDirectories } from '../system/target.js';
import { joinTarget } from '../rootfs/rootfs.js';

/** Remove whatever matches each pattern (files, links, whole directories). Returns how many. */
export function removeGlobs(ctx: ProviderContext, patterns: readonly string[], options: { dot?: boolean } = {}): number {
  let n = 0;
  for (const pattern of patterns) for (const p of ctx.fs.glob(pattern, { ...options, throughLinks: false })) if (ctx.fs.remove(p)) n++;
  return n;
}

/** Remove only regular files (and links) matching the patterns; directories are left in place. */
export function removeFileGlobs(ctx: ProviderContext, patterns: readonly string[], options: { dot?: boolean } = {}): number {
  let n = 0;
  for (const pattern of patterns) {
    for (const p of ctx.fs.glob(pattern, { ...options, throughLinks: false })) {
      const st = ctx.fs.lstat(p);
      if (st && !st.isDirectory() && ctx.fs.remove(p)) n++;
    }
  }
  return n;
}

/** Empty directories, keeping each directory itself (mode, owner, SELinux label survive). */
export function emptyDirectories(ctx: ProviderContext, dirs: readonly string[], keep?: (name: string) => boolean): number {
  let n = 0;
  for (const dir of dirs) if (ctx.fs.lstat(dir)?.isDirectory()) n += ctx.fs.emptyDirectory(dir, keep ? { keep } : {});
  return n;
}

/** Delete regular files below each directory, recursively, keeping the directory tree. */
export function deleteFilesBelow(ctx: ProviderContext, dirs: readonly string[], keep?: (path: string) => boolean): number {
  let n = 0;
  for (const dir of dirs) {
    // a cache directory that is a link may point anywhere in the image: not ours to empty
    if (!ctx.fs.lstat(dir)?.isDirectory()) continue;
    const files: string[] = [];
    ctx.fs.walk(dir, (p, st) => {
      if (!st.isDirectory() && !keep?.(p)) files.push(p);
    });
    for (const f of files) if (ctx.fs.remove(f)) n++;
  }
  return n;
}

/** Remove files with these names from every home directory named in /etc/passwd. */
export function removeFromHomes(
  ctx: ProviderContext,
  names: readonly string[],
  options: { systemAccounts: boolean } = { systemAccounts: true },
): number {
  let n = 0;
  for (const home of homeDirectories(ctx.target, options)) {
    for (const name of names) {
      for (const p of ctx.fs.glob(joinTarget(home, name), { dot: true })) if (ctx.fs.remove(p)) n++;
    }
  }
  return n;
}

/** "3 files" / "1 file" */
export function count(n: number, noun: string): string {
  if (n === 1) return `1 ${noun}`;
  return `${n} ${/[^aeiou]y$/.test(noun) ? noun.slice(0, -1) + 'ies' : noun + 's'}`;
}

/**
 * Edit a line-oriented config file: `edit` gets the lines and returns the new ones (or the same
 * array when nothing changes). Writes atomically, keeping mode and owner.
 */
export function editLines(ctx: ProviderContext, file: string, edit: (lines: string[]) => string[], detail?: string): boolean {
  const text = ctx.fs.readText(file);
  if (text === undefined) return false;
  const lines = text.split('\n');
  const next = edit(lines);
  const out = next.join('\n');
  if (out === text) return false;
  return ctx.fs.writeText(file, out, detail ? { detail } : {});
}

/**
 * A provider that removes what a list of patterns matches — most of virt-sysprep's operations are
 * exactly that. `files: true` removes only non-directories (the tree of directories stays).
 */
export function globRemover(spec: {
  patterns: readonly string[];
  dot?: boolean;
  files?: boolean;
  noun?: string;
}): (ctx: ProviderContext) => void {
  return (ctx) => {
    const opts = spec.dot ? { dot: true } : {};
    const n = spec.files ? removeFileGlobs(ctx, spec.patterns, opts) : removeGlobs(ctx, spec.patterns, opts);
    if (n) ctx.note(`removed ${count(n, spec.noun ?? 'path')}`);
  };
}
