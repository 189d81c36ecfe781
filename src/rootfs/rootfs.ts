/**
 * The one door to a target's files.
 *
 * Every path a provider names is a path *inside the target* ("/etc/hostname"). RootFs resolves it the
 * way the kernel would inside a chroot at `root`: component by component, following symlinks, with
 * absolute link targets restarting at the target's root and `..` never climbing above it. So a link in
 * an image that points at `/etc/shadow` or `../../../../etc/shadow` reaches the *image's* shadow file,
 * never the host's (SPEC 8, "Confinement").
 *
 * Every mutation goes through here too, so it is recorded (the run's log and `--json` list every
 * changed path) and, in a dry run, only recorded.
 *
 * The API is synchronous on purpose: a generalize run is thousands of tiny metadata operations on a
 * local disk, where the promise machinery costs more than the syscalls.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export type ChangeAction = 'removed' | 'truncated' | 'modified' | 'created';

export interface Change {
  /** path inside the target */
  path: string;
  action: ChangeAction;
  /** short human detail: "directory, 12 entries", "uninitialized", … */
  detail?: string;
}

export interface RootFsOptions {
  dryRun?: boolean;
  /** called for every change, as it happens (progress lines, the Panther log) */
  onChange?: (change: Change) => void;
}

const MAX_SYMLINK_HOPS = 40;

export class RootFs {
  /** host path of the target's root, real (no symlinks), no trailing slash except for "/" */
  readonly root: string;
  readonly dryRun: boolean;
  readonly changes: Change[] = [];
  private onChange: ((c: Change) => void) | undefined;
  /**
   * What a dry run has pretended to do, so later reads see it: a dry run must report exactly what a
   * real run would change, and a real run's later providers do not find what earlier ones removed.
   * Host paths.
   */
  private readonly pretendGone = new Set<string>();
  private readonly pretendEmptied = new Set<string>();
  private readonly pretendContent = new Map<string, Buffer>();

  constructor(root: string, options: RootFsOptions = {}) {
    this.root = fs.realpathSync(root);
    this.dryRun = options.dryRun ?? false;
    this.onChange = options.onChange;
  }

  /** Redirect change notifications (the engine points them at the provider that is running). */
  setChangeListener(listener: ((c: Change) => void) | undefined): void {
    this.onChange = listener;
  }

  // ---------------------------------------------------------------- resolution

  /**
   * Host path for a target path. With `followFinal` false the last component is not dereferenced
   * (what rm, lstat and readlink need); every directory above it always is.
   */
  resolve(targetPath: string, followFinal = true): string {
    const queue = splitPath(targetPath);
    const stack: string[] = [];
    let hops = 0;
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        stack.pop(); // at the root, ".." is the root, as in a chroot
        continue;
      }
      const isLast = queue.length === 0;
      stack.push(part);
      if (isLast && !followFinal) break;
      const host = this.hostOf(stack);
      // a file or directory, or nothing (yet), or no directory on the way: nothing to follow
      if (!safeLstat(host)?.isSymbolicLink()) continue;
      if (++hops > MAX_SYMLINK_HOPS) {
        throw Object.assign(new Error(`too many levels of symbolic links: ${targetPath}`), { code: 'ELOOP' });
      }
      const link = fs.readlinkSync(host);
      stack.pop();
      if (link.startsWith('/')) stack.length = 0;
      queue.unshift(...splitPath(link));
    }
    return this.hostOf(stack);
  }

  /** The in-target path of a host path below the root (for messages). */
  targetPathOf(hostPath: string): string {
    if (this.root === '/') return hostPath;
    const rel = path.relative(this.root, hostPath);
    return '/' + rel;
  }

  private hostOf(parts: string[]): string {
    if (parts.length === 0) return this.root;
    return this.root === '/' ? '/' + parts.join('/') : this.root + '/' + parts.join('/');
  }

  // ---------------------------------------------------------------- reading

  /** In a dry run: was this host path (or a directory above it) removed by an earlier step? */
  private gone(host: string): boolean {
    if (this.pretendGone.size === 0) return false;
    for (let h = host; h.length > this.root.length; h = path.dirname(h)) if (this.pretendGone.has(h)) return true;
    return false;
  }

  lstat(p: string): fs.Stats | undefined {
    try {
      const host = this.resolve(p, false);
      if (this.gone(host)) return undefined;
      return safeLstat(host);
    } catch {
      return undefined;
    }
  }

  stat(p: string): fs.Stats | undefined {
    try {
      const host = this.resolve(p, true);
      if (this.gone(host)) return undefined;
      return fs.statSync(host, { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  }

  exists(p: string): boolean {
    return this.lstat(p) !== undefined;
  }

  isFile(p: string): boolean {
    return this.stat(p)?.isFile() ?? false;
  }

  isDirectory(p: string): boolean {
    return this.stat(p)?.isDirectory() ?? false;
  }

  readText(p: string): string | undefined {
    try {
      const host = this.resolve(p, true);
      if (this.gone(host)) return undefined;
      if (this.pretendContent.has(host)) return this.pretendContent.get(host)!.toString('utf8');
      if (this.pretendEmptied.has(host)) return '';
      return fs.readFileSync(host, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** The bytes of a file (what the run pretended, in a dry run), or undefined when it cannot be read. */
  readBytes(p: string): Buffer | undefined {
    try {
      const host = this.resolve(p, true);
      if (this.gone(host)) return undefined;
      if (this.pretendContent.has(host)) return this.pretendContent.get(host)!;
      if (this.pretendEmptied.has(host)) return Buffer.alloc(0);
      return fs.readFileSync(host);
    } catch {
      return undefined;
    }
  }

  readLink(p: string): string | undefined {
    try {
      return fs.readlinkSync(this.resolve(p, false));
    } catch {
      return undefined;
    }
  }

  /** Names in a directory (following links to it inside the root); [] when it is not a directory. */
  list(dir: string): string[] {
    try {
      const host = this.resolve(dir, true);
      if (this.gone(host)) return [];
      const names = fs.readdirSync(host);
      return this.pretendGone.size ? names.filter((n) => !this.pretendGone.has(path.join(host, n))) : names;
    } catch {
      return [];
    }
  }

  /**
   * Expand a shell-style pattern (`*`, `?`, `[…]` within one component) inside the target. As in a
   * shell, wildcards do not match a leading dot unless `dot` is set. Returns sorted target paths
   * spelled as the pattern spells them (so "/var/run/utmp" stays that, even if /var/run is a link).
   */
  glob(pattern: string, options: { dot?: boolean; throughLinks?: boolean } = {}): string[] {
    const parts = splitPath(pattern).filter((p) => p !== '' && p !== '.');
    let current = ['/'];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const next: string[] = [];
      if (!hasMagic(part)) {
        for (const dir of current) next.push(joinTarget(dir, part));
      } else {
        const re = segmentRegExp(part);
        const last = i === parts.length - 1;
        for (const dir of current) {
          for (const name of this.list(dir)) {
            if (!options.dot && name.startsWith('.') && !part.startsWith('.')) continue;
            if (!re.test(name)) continue;
            const p = joinTarget(dir, name);
            // with throughLinks false, a wildcard never leads through a symlinked directory
            // (/var/lib/puppet/* matching a link to /etc/ssl); spelled-out components still do
            if (!last && options.throughLinks === false && this.lstat(p)?.isSymbolicLink()) continue;
            next.push(p);
          }
        }
      }
      current = next;
    }
    return current.filter((p) => this.exists(p)).sort();
  }

  /**
   * Visit every entry below `dir` without following symlinks (a link is reported, never entered).
   * The visitor may return false to skip a directory's contents.
   */
  walk(dir: string, visit: (targetPath: string, st: fs.Stats) => boolean | void): void {
    const start = this.resolve(dir, true);
    const recurse = (host: string, target: string) => {
      let names: string[];
      try {
        names = fs.readdirSync(host);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        const h = host === '/' ? '/' + name : host + '/' + name;
        const t = joinTarget(target, name);
        let st: fs.Stats;
        try {
          if (this.pretendGone.has(h)) continue;
          st = fs.lstatSync(h);
        } catch {
          continue;
        }
        const descend = visit(t, st);
        if (st.isDirectory() && descend !== false) recurse(h, t);
      }
    };
    if (this.stat(dir)?.isDirectory()) recurse(start, normalizeTarget(dir));
  }

  // ---------------------------------------------------------------- writing (recorded; skipped in a dry run)

  /** Remove a file, link (not what it points at) or whole directory tree. No-op when absent. */
  remove(p: string, detail?: string): boolean {
    const host = this.resolve(p, false);
    let st: fs.Stats;
    try {
      if (this.gone(host)) return false;
      st = fs.lstatSync(host);
    } catch {
      return false;
    }
    if (host === this.root) throw new Error(`refusing to remove the target's root (${p})`);
    let what = detail;
    if (!what && st.isDirectory()) what = `directory, ${countEntries(host)} entries`;
    if (!what && st.isSymbolicLink()) what = 'symlink';
    if (!this.dryRun) fs.rmSync(host, { recursive: true, force: true });
    else this.pretendGone.add(host);
    // recorded under its real path (/var/run/utmp is /run/utmp), so reports match the tree
    this.record({ path: this.targetPathOf(host), action: 'removed', ...(what ? { detail: what } : {}) });
    return true;
  }

  /** Remove everything inside a directory, keeping the directory itself (its mode, owner, label). */
  emptyDirectory(dir: string, options: { keep?: (name: string) => boolean } = {}): number {
    let n = 0;
    for (const name of this.list(dir).sort()) {
      if (options.keep?.(name)) continue;
      if (this.remove(joinTarget(this.realTargetPath(dir), name))) n++;
    }
    return n;
  }

  /**
   * Cut a regular file to zero bytes, keeping its inode, mode and owner. No-op when absent or empty,
   * and for a symlink: emptying whatever a link points at (even inside the image) is never what a
   * cleanup means.
   */
  truncate(p: string): boolean {
    if (this.lstat(p)?.isSymbolicLink()) return false;
    const st = this.stat(p);
    if (!st?.isFile() || st.size === 0) return false;
    const host = this.resolve(p, true);
    if (this.pretendEmptied.has(host)) return false;
    if (this.dryRun) this.pretendEmptied.add(host);
    else {
      const fd = fs.openSync(this.resolve(p, true), fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW);
      try {
        fs.ftruncateSync(fd, 0);
      } finally {
        fs.closeSync(fd);
      }
    }
    this.record({ path: this.targetPathOf(host), action: 'truncated', detail: `${st.size} bytes` });
    return true;
  }

  /**
   * Replace a file's contents atomically (temp file, fsync, rename), keeping mode and owner of the
   * file it replaces. A link is followed inside the root, as writing through a chroot would.
   */
  writeText(p: string, content: string | Buffer, options: { mode?: number; detail?: string } = {}): boolean {
    const host = this.resolve(p, true);
    const old = this.gone(host) ? undefined : safeLstat(host);
    if (old?.isFile()) {
      const same = this.pretendContent.get(host) ?? fs.readFileSync(host);
      if (Buffer.compare(same, Buffer.isBuffer(content) ? content : Buffer.from(content)) === 0 &&
        (options.mode === undefined || (old.mode & 0o7777) === options.mode)) {
        return false;
      }
    } else if (old) {
      throw new Error(`${p} exists and is not a regular file`);
    }
    if (!this.dryRun) atomicWrite(host, content, options.mode ?? (old ? old.mode & 0o7777 : 0o644), old);
    else {
      this.pretendContent.set(host, Buffer.isBuffer(content) ? content : Buffer.from(content));
      this.pretendGone.delete(host);
    }
    this.record({
      path: this.targetPathOf(host),
      action: old ? 'modified' : 'created',
      ...(options.detail ? { detail: options.detail } : {}),
    });
    return true;
  }

  /**
   * Put a file of the host (sysprep's own runtime, say) into the target, atomically, unless the same
   * file is already there: same size and modification time (the copy keeps the source's), as rsync's
   * quick check — the runtime is 86 MB, and reading it twice on every run would cost more than the
   * rest of a generalize.
   */
  installFile(hostSource: string, p: string, mode: number): boolean {
    const host = this.resolve(p, true);
    const old = this.gone(host) ? undefined : safeLstat(host);
    if (old && !old.isFile()) throw new Error(`${p} exists and is not a regular file`);
    const src = fs.statSync(hostSource);
    const size = src.size;
    if (old && old.size === size && Math.trunc(old.mtimeMs) === Math.trunc(src.mtimeMs) && (old.mode & 0o7777) === mode) return false;
    if (!this.dryRun) {
      const tmp = path.join(path.dirname(host), `.${path.basename(host)}.sysprep-${randomBytes(4).toString('hex')}`);
      try {
        fs.copyFileSync(hostSource, tmp);
        fs.chmodSync(tmp, mode);
        fs.utimesSync(tmp, src.atime, src.mtime);
        const fd = fs.openSync(tmp, 'r');
        try {
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, host);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    } else {
      this.pretendContent.set(host, Buffer.alloc(0));
    }
    this.record({ path: this.targetPathOf(host), action: old ? 'modified' : 'created', detail: `${size} bytes` });
    return true;
  }

  /** A symlink inside the target (replacing a file or link of that name, never a directory). */
  link(p: string, linkTarget: string): boolean {
    const st = this.lstat(p);
    if (st?.isSymbolicLink() && this.readLink(p) === linkTarget) return false;
    if (st?.isDirectory()) throw new Error(`${p} is a directory`);
    const host = this.resolve(p, false);
    if (!this.dryRun) {
      const tmp = path.join(path.dirname(host), `.${path.basename(host)}.sysprep-${randomBytes(4).toString('hex')}`);
      fs.symlinkSync(linkTarget, tmp);
      fs.renameSync(tmp, host);
    }
    this.record({ path: this.targetPathOf(host), action: st ? 'modified' : 'created', detail: `link to ${linkTarget}` });
    return true;
  }

  /** Record a change a program of the target made (a rebuilt initramfs), so it is listed too. */
  recordExternal(p: string, action: ChangeAction, detail?: string): void {
    // the directories resolved, not the last part: a removed or changed link is the link
    this.record({ path: this.targetPathOf(this.resolve(p, false)), action, ...(detail ? { detail } : {}) });
  }

  /** mkdir -p inside the target (recorded as created for each new level). */
  makeDirectory(p: string, mode = 0o755): void {
    const parts = splitPath(p).filter(Boolean);
    let cur = '';
    for (const part of parts) {
      cur += '/' + part;
      if (this.stat(cur)?.isDirectory() || this.pretendContent.has(this.resolve(cur, true))) continue;
      if (!this.dryRun) fs.mkdirSync(this.resolve(cur, true), { mode });
      else this.pretendContent.set(this.resolve(cur, true), Buffer.alloc(0)); // a pretend directory
      this.record({ path: cur, action: 'created', detail: 'directory' });
    }
  }

  /** The target path with every symlink in it resolved (in-target spelling). */
  realTargetPath(p: string): string {
    return this.targetPathOf(this.resolve(p, true));
  }

  private readonly modifiedOnce = new Set<string>();

  private record(change: Change): void {
    // a file rewritten many times in one run (a progress record) is one changed path, listed once
    if (change.action === 'modified') {
      if (this.modifiedOnce.has(change.path)) return;
      this.modifiedOnce.add(change.path);
    }
    this.changes.push(change);
    this.onChange?.(change);
  }
}

// ---------------------------------------------------------------- helpers

function splitPath(p: string): string[] {
  return p.split('/');
}

function normalizeTarget(p: string): string {
  const n = path.posix.normalize('/' + p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export function joinTarget(dir: string, name: string): string {
  return dir === '/' ? '/' + name : dir + '/' + name;
}

function hasMagic(segment: string): boolean {
  return /[*?[{]/.test(segment);
}

/** One path component's glob as a RegExp: `*`, `?`, `[abc]`, `[!abc]`, `{a,b}`. */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else if (c === '{') {
      const end = segment.indexOf('}', i);
      if (end < 0) {
        re += '\\{';
        continue;
      }
      re += '(?:' + segment.slice(i + 1, end).split(',').map(escapeRe).join('|') + ')';
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp('^' + re + '$');
}

function escapeRe(s: string): string {
  return s.replace(/[.+^$()|\\{}\]]/g, '\\$&');
}

/** lstat, undefined for what cannot be seen; no exception for what is missing (most look-ups of a run are for paths an image may lack) */
function safeLstat(host: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(host, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function countEntries(host: string): number {
  let n = 0;
  const stack = [host];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      n++;
      if (e.isDirectory()) stack.push(dir + '/' + e.name);
    }
  }
  return n;
}

function atomicWrite(host: string, content: string | Buffer, mode: number, old: fs.Stats | undefined): void {
  const dir = path.dirname(host);
  const tmp = path.join(dir, `.${path.basename(host)}.sysprep-${randomBytes(4).toString('hex')}`);
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fchmodSync(fd, mode);
    if (old) fs.fchownSync(fd, old.uid, old.gid);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, host);
}
