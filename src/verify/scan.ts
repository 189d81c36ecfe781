/**
 * The scan (SPEC 9): every regular file of the target, text and binary, and what compressed files
 * hold (gzip in process; xz and zstd through the machine's own tools; the compressed part of an
 * initramfs after its uncompressed cpio). Never a link followed, never a FIFO or device opened, never
 * a byte written; files are streamed in chunks, so memory stays flat whatever their size.
 *
 * The inner loop: fingerprints are found by token (tokens.ts). A token of the record's shortest length
 * K or more covers one of every K-th byte, so the loop probes those bytes only, and cuts into tokens
 * just the runs of token characters around a probe that are long enough: most bytes of a binary are
 * never looked at twice. A token whose length and 32-bit key are in the record is confirmed by its
 * salted digest.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { ALNUM, B64, CLASS, FNV_OFFSET, FNV_PRIME, FOLD, MAX_TOKEN, MIN_TOKEN, PAD, SEP, tokenDigest, tokenKey, tokensOf, type TokenClass } from './tokens.js';
import type { Fingerprint, FingerprintRecord, Form } from './fingerprints.js';
import type { Place } from './types.js';

const CHUNK = 1 << 20;
/** places kept a fingerprint and stream (the rest are counted): a log that names the host on every line */
export const MAX_PLACES = 1000;
/** what is decompressed of one file at most (a compressed bomb is cut there, and says so) */
export const MAX_INFLATED = 1 << 30;

export interface Match {
  fingerprint: Fingerprint;
  /** the file's path in the target */
  path: string;
  place: Place;
}

export interface ScanNote {
  path: string;
  message: string;
  /** the file (or what it holds) could not be scanned: the verdict is not complete */
  unscanned?: true;
}

/** The record, indexed for the inner loop. */
export class Matcher {
  readonly minLen: number;
  readonly lens: Record<TokenClass, Uint8Array> = { w: new Uint8Array(MAX_TOKEN + 1), s: new Uint8Array(MAX_TOKEN + 1), b: new Uint8Array(MAX_TOKEN + 1) };
  private readonly keys: Record<TokenClass, Map<number, { form: Form; fp: Fingerprint }[]>> = { w: new Map(), s: new Map(), b: new Map() };
  readonly fileSizes = new Map<number, Fingerprint[]>();
  readonly salt: string;

  constructor(record: FingerprintRecord) {
    this.salt = record.salt;
    let min = MAX_TOKEN;
    for (const fp of record.fingerprints) {
      for (const form of fp.forms) {
        if (form.len < MIN_TOKEN || form.len > MAX_TOKEN) continue;
        this.lens[form.cls][form.len] = 1;
        const list = this.keys[form.cls].get(form.key) ?? [];
        list.push({ form, fp });
        this.keys[form.cls].set(form.key, list);
        min = Math.min(min, form.len);
      }
      if (fp.file) this.fileSizes.set(fp.file.size, [...(this.fileSizes.get(fp.file.size) ?? []), fp]);
    }
    this.minLen = Math.max(MIN_TOKEN, min);
  }

  /** digests already taken: a log names the host on every line (bounded: cleared when full) */
  private readonly seen = new Map<string, Fingerprint | null>();

  /** the fingerprint a token (of this class, length and key) is, confirmed by digest */
  confirm(cls: TokenClass, len: number, key: number, text: () => string): Fingerprint | undefined {
    if (!this.lens[cls][len]) return undefined;
    const list = this.keys[cls].get((key ^ len) >>> 0);
    if (!list) return undefined;
    const t = text();
    const id = `${cls}${t}`;
    const known = this.seen.get(id);
    if (known !== undefined) return known ?? undefined;
    const digest = tokenDigest(this.salt, cls, t);
    const fp = list.find((x) => x.form.digest === digest)?.fp;
    if (this.seen.size >= 10_000) this.seen.clear();
    this.seen.set(id, fp ?? null);
    return fp;
  }

  /** tokens of a file name (a journal directory named after the machine id) */
  matchName(name: string): Fingerprint | undefined {
    for (const t of tokensOf(Buffer.from(name, 'latin1'), this.minLen)) {
      const fp = this.confirm(t.cls, t.text.length, tokenKey(t.text) ^ t.text.length, () => t.text);
      if (fp) return fp;
    }
    return undefined;
  }
}

/**
 * A stream's tokens: fed chunk by chunk; a run of token characters that reaches the end of a chunk
 * is carried into the next one, so no token is cut in two.
 */
/** work buffers of finished streams, for the next ones (a file scan is one or two streams: no garbage a file) */
const POOL: Buffer[] = [];

export class TokenStream {
  private work = POOL.pop() ?? Buffer.allocUnsafe(CHUNK + MAX_TOKEN);
  private carry = 0;
  /** stream offset of work[0] */
  private base = 0;
  /** each place a fingerprint is, up to MAX_PLACES a fingerprint; `more` counts the rest (memory stays flat) */
  readonly found: { fp: Fingerprint; offset: number }[] = [];
  readonly more = new Map<Fingerprint, number>();
  private readonly places = new Map<Fingerprint, number>();

  constructor(private readonly m: Matcher) {}

  feed(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(CHUNK, chunk.length - at);
      this.work.set(chunk.subarray(at, at + n), this.carry);
      this.process(this.carry + n, false);
      at += n;
    }
  }

  /** read straight into the work buffer (the common case: a plain file) */
  readFrom(fd: number, onChunk?: (b: Uint8Array) => void): number {
    let total = 0;
    for (;;) {
      const n = nodefs.readSync(fd, this.work, this.carry, CHUNK, null);
      if (n <= 0) break;
      onChunk?.(this.work.subarray(this.carry, this.carry + n));
      total += n;
      this.process(this.carry + n, false);
    }
    return total;
  }

  /** the last run; the stream is done (its buffer goes back to the pool) */
  end(): void {
    this.process(this.carry, true);
    this.carry = 0;
    if (POOL.length < 4) POOL.push(this.work);
    this.work = undefined as unknown as Buffer;
  }

  private process(end: number, last: boolean): void {
    const buf = this.work;
    let limit = end;
    if (!last) {
      while (limit > 0 && CLASS[buf[limit - 1]!]) limit--;
      if (end - limit > MAX_TOKEN) limit = end; // a run longer than any token: cut it
    }
    this.probe(buf, limit);
    const keep = end - limit;
    if (keep) buf.copyWithin(0, limit, end);
    this.base += limit;
    this.carry = keep;
  }

  private probe(buf: Buffer, limit: number): void {
    const K = this.m.minLen;
    let done = 0;
    for (let p = K - 1; p < limit; p += K) {
      if (p < done || !CLASS[buf[p]!]) continue;
      let s = p;
      while (s > done && CLASS[buf[s - 1]!]) s--;
      let e = p + 1;
      while (e < limit && CLASS[buf[e]!]) e++;
      done = e;
      if (e - s >= K) this.run(buf, s, e);
    }
  }

  /**
   * The tokens of one run of token characters (tokens.ts tokensOf, without making strings): each
   * token's bounds first, and its hash only when the record has a value of that class and length.
   */
  private run(buf: Buffer, s: number, e: number): void {
    const K = this.m.minLen;
    const lens = this.m.lens;
    // w: letters and digits (and the classes of the other bytes: most runs are one word)
    let other = 0;
    for (let i = s; i < e; ) {
      const c = CLASS[buf[i]!]!;
      if (!(c & ALNUM)) {
        other |= c;
        i++;
        continue;
      }
      let j = i + 1;
      while (j < e && CLASS[buf[j]!]! & ALNUM) j++;
      const n = j - i;
      if (n >= K) {
        if (lens.w[n]) this.hit('w', buf, i, j);
        // a word with no base64 symbol or padding beside it is a b token too
        if (lens.b[n] && !(i > s && CLASS[buf[i - 1]!]! & B64) && !(j < e && CLASS[buf[j]!]! & (B64 | PAD))) this.hit('b', buf, i, j);
      }
      i = j;
    }
    if (!other) return;
    // s: words joined by single separators
    if (other & SEP) for (let i = s; i < e; ) {
      if (!(CLASS[buf[i]!]! & ALNUM)) { i++; continue; }
      let j = i;
      let seps = 0;
      for (;;) {
        while (j < e && CLASS[buf[j]!]! & ALNUM) j++;
        if (j + 1 < e && CLASS[buf[j]!]! & SEP && CLASS[buf[j + 1]!]! & ALNUM) {
          j++;
          seps++;
          continue;
        }
        break;
      }
      if (seps && j - i >= K && lens.s[j - i]) this.hit('s', buf, i, j);
      i = j;
    }
    // b: base64 symbols, then padding (the words among them were looked up above)
    if (other & (B64 | PAD)) for (let i = s; i < e; ) {
      if (!(CLASS[buf[i]!]! & (ALNUM | B64))) { i++; continue; }
      let j = i + 1;
      while (j < e && CLASS[buf[j]!]! & (ALNUM | B64)) j++;
      let mixed = false;
      for (let k = i; k < j && !mixed; k++) mixed = !(CLASS[buf[k]!]! & ALNUM);
      for (let p = 0; p < 2 && j < e && CLASS[buf[j]!]! & PAD; p++, mixed = true) j++;
      if (mixed && j - i >= K && lens.b[j - i]) this.hit('b', buf, i, j);
      i = j;
    }
  }

  private hit(cls: TokenClass, buf: Buffer, start: number, end: number): void {
    const fold = cls !== 'b';
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (fold ? FOLD[buf[i]!]! : buf[i]!), FNV_PRIME);
    const fp = this.m.confirm(cls, end - start, h, () => {
      let out = '';
      for (let i = start; i < end; i++) out += String.fromCharCode(fold ? FOLD[buf[i]!]! : buf[i]!);
      return out;
    });
    if (!fp) return;
    // a host name is no part of an identifier (amdgpu's golden_settings is no host called golden)
    if (fp.common && cls === 'w' && (buf[start - 1] === 0x5f || buf[start - 1] === 0x2d || buf[end] === 0x5f || buf[end] === 0x2d)) return;
    const n = this.places.get(fp) ?? 0;
    if (n >= MAX_PLACES) {
      this.more.set(fp, (this.more.get(fp) ?? 0) + 1);
      return;
    }
    this.places.set(fp, n + 1);
    this.found.push({ fp, offset: this.base + start });
  }
}

type Compression = 'gzip' | 'xz' | 'zstd';

function compressionAt(b: Uint8Array, at = 0): Compression | undefined {
  if (b[at] === 0x1f && b[at + 1] === 0x8b) return 'gzip';
  if (b[at] === 0xfd && b[at + 1] === 0x37 && b[at + 2] === 0x7a && b[at + 3] === 0x58 && b[at + 4] === 0x5a && b[at + 5] === 0) return 'xz';
  if (b[at] === 0x28 && b[at + 1] === 0xb5 && b[at + 2] === 0x2f && b[at + 3] === 0xfd) return 'zstd';
  return undefined;
}

/** Where the compressed part of an initramfs starts: after its uncompressed cpio archives (microcode first). */
function initramfsPayload(host: string, size: number): { at: number; kind: Compression } | undefined {
  const fd = nodefs.openSync(host, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 64 * 1024 * 1024));
    const n = nodefs.readSync(fd, head, 0, head.length, 0);
    if (head.toString('latin1', 0, 6) !== '070701' && head.toString('latin1', 0, 6) !== '070702') return undefined;
    let from = 0;
    for (;;) {
      const t = head.indexOf('TRAILER!!!', from, 'latin1');
      if (t < 0) return undefined;
      let at = t + 10;
      while (at < n && head[at] === 0) at++;
      const kind = compressionAt(head, at);
      if (kind) return { at, kind };
      if (head.toString('latin1', at, at + 6) !== '070701') return undefined;
      from = at;
    }
  } finally {
    nodefs.closeSync(fd);
  }
}

export interface FileResult {
  /** `text`: the stream the match is in has no NUL in its first 8 KiB (inflated streams; the file's own is `FileResult.text`) */
  matches: { fp: Fingerprint; place: Place; text?: boolean; more?: number }[];
  notes: string[];
  unscanned?: true;
  /** the file's first bytes have no NUL: lines are counted */
  text: boolean;
}

/** Stream what a compressed file (from byte `at`) holds into a token stream. */
async function scanInflated(host: string, at: number, kind: Compression, m: Matcher, onText?: (chunk: Buffer) => void): Promise<{ found: TokenStream['found']; more?: TokenStream['more']; note?: string; text: boolean }> {
  const ts = new TokenStream(m);
  let text: boolean | undefined;
  const sniff = (chunk: Buffer) => {
    if (text === undefined) text = !chunk.subarray(0, 8192).includes(0);
  };
  // most compressed files are small (documentation, rotated logs): inflated at once, in this thread
  if (kind === 'gzip') {
    const size = nodefs.statSync(host).size - at;
    if (size <= 256 * 1024) {
      const fd = nodefs.openSync(host, nodefs.constants.O_RDONLY | nodefs.constants.O_NOFOLLOW);
      const input = Buffer.allocUnsafe(size);
      try {
        nodefs.readSync(fd, input, 0, size, at);
      } finally {
        nodefs.closeSync(fd);
      }
      try {
        const out = zlib.gunzipSync(input, { maxOutputLength: 16 * 1024 * 1024 });
        sniff(out);
        onText?.(out);
        ts.feed(out);
        ts.end();
        return { found: ts.found, more: ts.more, text: text ?? true };
      } catch (err) {
        // too big once inflated, or damaged: streamed below, which says which
        if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
          return { found: [], note: `its gzip stream is damaged (${(err as Error).message}): it was scanned as it is`, text: false };
        }
      }
    }
  }
  let total = 0;
  let cut = false;
  const input = nodefs.createReadStream(host, { start: at, highWaterMark: CHUNK });
  let note: string | undefined;
  await new Promise<void>((resolve) => {
    let source: NodeJS.ReadableStream;
    let child: ReturnType<typeof spawn> | undefined;
    if (kind === 'gzip') {
      const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
      input.pipe(gunzip);
      source = gunzip;
      gunzip.on('error', (err) => {
        note = `its gzip stream is damaged (${err.message}): what could be read was scanned`;
        resolve();
      });
    } else {
      const tool = kind === 'xz' ? 'xz' : 'zstd';
      child = spawn(tool, ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'ignore'] });
      child.on('error', () => {
        note = `not scanned inside: no ${tool} program on this machine to read ${kind}`;
        resolve();
      });
      input.pipe(child.stdin!);
      child.stdin!.on('error', () => {});
      source = child.stdout!;
      child.on('close', (code) => {
        if (code && !note) note = `its ${kind} stream is damaged (${tool} exit ${code}): what could be read was scanned`;
      });
    }
    source.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (total + chunk.length > MAX_INFLATED) {
        chunk = chunk.subarray(0, MAX_INFLATED - total);
        cut = true;
        note = `only its first ${MAX_INFLATED / (1 << 20)} MiB (decompressed) were scanned`;
        input.destroy();
        child?.kill();
      }
      total += chunk.length;
      sniff(chunk);
      onText?.(chunk);
      ts.feed(chunk);
      if (cut) resolve();
    });
    source.on('end', () => resolve());
    input.on('error', (err) => {
      note = `could not be read: ${err.message}`;
      resolve();
    });
  });
  ts.end();
  return { found: ts.found, more: ts.more, ...(note ? { note } : {}), text: text ?? true };
}

/**
 * Scan one regular file (its host path and its path in the target). `onText` sees the file's text
 * (plain or decompressed) in chunks, for the secret rules.
 */
export async function scanFile(host: string, st: nodefs.Stats, m: Matcher, onText?: (chunk: Buffer, inside?: Compression) => void): Promise<FileResult> {
  const result: FileResult = { matches: [], notes: [], text: true };
  let fd: number;
  try {
    fd = nodefs.openSync(host, nodefs.constants.O_RDONLY | nodefs.constants.O_NOFOLLOW | nodefs.constants.O_NONBLOCK | nodefs.constants.O_NOATIME);
  } catch (err) {
    try {
      fd = nodefs.openSync(host, nodefs.constants.O_RDONLY | nodefs.constants.O_NOFOLLOW | nodefs.constants.O_NONBLOCK);
    } catch {
      result.notes.push(`could not be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      result.unscanned = true;
      return result;
    }
  }
  let head: Buffer = Buffer.alloc(0);
  const sizes = m.fileSizes.get(st.size);
  const sha = sizes ? createHash('sha256') : undefined;
  try {
    // a file that is all holes holds nothing but zeros
    if (st.size > 0 && st.blocks === 0) {
      result.notes.push(`sparse, ${st.size} bytes and no data: nothing to read`);
      return result;
    }
    const ts = new TokenStream(m);
    let first = true;
    ts.readFrom(fd, (chunk) => {
      if (first) {
        head = Buffer.from(chunk.subarray(0, 8192));
        result.text = !head.includes(0);
        first = false;
      }
      sha?.update(chunk);
      if (result.text) onText?.(chunk as Buffer);
    });
    ts.end();
    for (const f of ts.found) result.matches.push({ fp: f.fp, place: { offset: f.offset } });
    for (const [fp, more] of ts.more) result.matches.push({ fp, place: { offset: -1 }, more });
  } catch (err) {
    result.notes.push(`could not be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    result.unscanned = true;
  } finally {
    nodefs.closeSync(fd);
  }
  if (sha && sizes) {
    const digest = sha.digest('hex');
    for (const fp of sizes) if (fp.file!.sha256 === digest) result.matches.push({ fp, place: {} });
  }
  // what it holds, compressed
  const kind = compressionAt(head);
  const payload = kind ? { at: 0, kind } : /^070701|^070702/.test(head.toString('latin1', 0, 6)) ? initramfsPayload(host, st.size) : undefined;
  if (payload) {
    const r = await scanInflated(host, payload.at, payload.kind, m, onText ? (c) => onText(c, payload.kind) : undefined);
    for (const f of r.found) result.matches.push({ fp: f.fp, place: { inside: payload.kind, offset: f.offset }, text: r.text });
    for (const [fp, more] of r.more ?? []) result.matches.push({ fp, place: { inside: payload.kind, offset: -1 }, text: r.text, more });
    if (r.note) result.notes.push(r.note);
  }
  return result;
}

/** The 1-based line of each byte offset of a text file (read again: matches are rare). */
export function linesAt(host: string, offsets: number[]): Map<number, number> {
  const out = new Map<number, number>();
  const wanted = [...new Set(offsets)].sort((a, b) => a - b);
  if (!wanted.length) return out;
  const fd = nodefs.openSync(host, nodefs.constants.O_RDONLY | nodefs.constants.O_NOFOLLOW);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let line = 1;
    let pos = 0;
    let w = 0;
    for (;;) {
      const n = nodefs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      let i = 0;
      while (w < wanted.length && wanted[w]! < pos + n) {
        for (let nl = buf.indexOf(10, i); nl >= 0 && nl < wanted[w]! - pos; nl = buf.indexOf(10, nl + 1)) {
          line++;
          i = nl + 1;
        }
        out.set(wanted[w]!, line);
        w++;
      }
      if (w >= wanted.length) break;
      for (let nl = buf.indexOf(10, i); nl >= 0 && nl < n; nl = buf.indexOf(10, nl + 1)) line++;
      pos += n;
    }
  } finally {
    nodefs.closeSync(fd);
  }
  return out;
}

export interface WalkEntry {
  /** path in the target */
  path: string;
  host: string;
  st: nodefs.Stats;
}

/** Directories of a root that are no files of it (a running system's kernel views). */
const VIRTUAL = new Set(['/proc', '/sys', '/dev']);

/**
 * File systems that live in memory or in the kernel: what is mounted there is not in the image a
 * running system is captured into (the running machine's /run, a tmpfs /tmp, /dev/shm).
 */
const MEMORY_FS = new Set(['tmpfs', 'ramfs', 'devtmpfs', 'devpts', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'mqueue', 'debugfs',
  'tracefs', 'securityfs', 'pstore', 'bpf', 'configfs', 'fusectl', 'hugetlbfs', 'autofs', 'efivarfs', 'binfmt_misc', 'rpc_pipefs', 'nsfs']);

/** `\040`-style escapes of /proc/self/mountinfo */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * Paths (in the target) below `root` where a memory or kernel file system is mounted: the walk does
 * not enter them. Read from /proc/self/mountinfo; none when it cannot be read.
 */
export function memoryMounts(root: string, mountinfo = '/proc/self/mountinfo'): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = nodefs.readFileSync(mountinfo, 'utf8');
  } catch {
    return out;
  }
  const base = path.resolve(root);
  for (const line of text.split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const point = unescapeMount(left.split(' ')[4] ?? '');
    const fstype = right.split(' ')[0] ?? '';
    if (!MEMORY_FS.has(fstype)) continue;
    const rel = base === '/' ? point : point.startsWith(`${base}/`) ? point.slice(base.length) : undefined;
    if (rel && rel !== '/') out.add(rel);
  }
  return out;
}

/**
 * Every regular file under `root` (a host path), depth first, by lstat: links are never followed
 * (a link is no regular file), FIFOs, sockets and devices are never opened. `onOther` hears about
 * directories that cannot be listed.
 */
export function* walkFiles(root: string, skip: (p: string) => boolean, onError: (p: string, message: string) => void): Generator<WalkEntry> {
  const stack: string[] = ['/'];
  const mounted = memoryMounts(root);
  while (stack.length) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = nodefs.readdirSync(path.join(root, dir));
    } catch (err) {
      onError(dir, `directory could not be listed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    names.sort();
    const dirs: string[] = [];
    for (const name of names) {
      const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
      if (VIRTUAL.has(p) || mounted.has(p) || skip(p)) continue;
      const host = path.join(root, p);
      let st: nodefs.Stats;
      try {
        st = nodefs.lstatSync(host);
      } catch (err) {
        onError(p, `could not be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        continue;
      }
      if (st.isDirectory()) dirs.push(p);
      else if (st.isFile()) yield { path: p, host, st };
    }
    for (let i = dirs.length - 1; i >= 0; i--) stack.push(dirs[i]!);
  }
}
