/**
 * Tokens: how a fingerprint is written down when it is recorded, and how the scan finds it again.
 * Defined once here, used by both (fingerprints.ts records, scan.ts finds).
 *
 * The golden machine's values are stored as salted digests (the record must not be a copy of what it
 * protects), so the scan cannot search for them as literals: it cuts every file into tokens and
 * looks each one up. Three kinds of token cover the forms identity takes in files:
 * - `w` (word): a run of letters and digits, case folded: a host name, a machine id, a MAC address
 *   or a DUID written as bare hex (`525400123456`, upper or lower case);
 * - `s` (separated): words joined by single `.`, `:`, `-` or `_`, case folded, every separator read
 *   as `_`: so `52:54:00:12:34:56`, `52-54-00-12-34-56` and `52_54_00_12_34_56` are one token, as are
 *   `10.0.0.20` and `10-0-0-20`, a UUID, an FQDN, an MD5 key fingerprint (a run is one token whole:
 *   the address inside `ip-10-0-0-20.ec2.internal` is not looked up on its own);
 * - `b` (base64): letters, digits, `+` and `/`, then up to two `=`, case kept: SSH key blobs, SHA256
 *   key fingerprints, the lines of a PEM or OpenSSH private key.
 * A token is looked up by a 32-bit hash and its length first (cheap, in the scan's inner loop), then
 * confirmed by its salted SHA-256 digest.
 */
import { createHash } from 'node:crypto';

export type TokenClass = 'w' | 's' | 'b';

/** Shorter values are not searched for (too many chance matches); longer runs are cut. */
export const MIN_TOKEN = 4;
export const MAX_TOKEN = 4096;

/** Byte classes: a letter or digit, a separator of `s` tokens, a base64 symbol, base64 padding. */
export const ALNUM = 1;
export const SEP = 2;
export const B64 = 4;
export const PAD = 8;
export const CLASS = new Uint8Array(256);
/** the byte case folded (letters to lower case); separators of `s` tokens to `_` */
export const FOLD = new Uint8Array(256);
for (let i = 0; i < 256; i++) FOLD[i] = i;
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = ALNUM;
for (let c = 0x41; c <= 0x5a; c++) {
  CLASS[c] = ALNUM;
  CLASS[c + 0x20] = ALNUM;
  FOLD[c] = c + 0x20;
}
for (const ch of '.:-_') {
  CLASS[ch.charCodeAt(0)] = SEP;
  FOLD[ch.charCodeAt(0)] = 0x5f;
}
for (const ch of '+/') CLASS[ch.charCodeAt(0)] = B64;
CLASS[0x3d] = PAD;

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 16777619;

/** The cheap lookup key of a token: FNV-1a over its (folded) bytes, mixed with its length. */
export function tokenKey(canonical: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < canonical.length; i++) h = Math.imul(h ^ (canonical.charCodeAt(i) & 0xff), FNV_PRIME);
  return (h ^ canonical.length) >>> 0;
}

/** A token as it is compared: `w` and `s` folded (separators as `_`), `b` as written. */
export function canonical(cls: TokenClass, text: string): string {
  if (cls === 'b') return text;
  let out = '';
  for (let i = 0; i < text.length; i++) out += String.fromCharCode(FOLD[text.charCodeAt(i) & 0xff]!);
  return out;
}

/** The salted digest that confirms a token (what the record keeps instead of the value). */
export function tokenDigest(salt: string, cls: TokenClass, canonicalText: string): string {
  return createHash('sha256').update(salt).update(cls).update('\0').update(canonicalText, 'latin1').digest('hex');
}

export interface Token {
  cls: TokenClass;
  /** the token's canonical text */
  text: string;
  /** byte offset where it starts */
  start: number;
}

/**
 * Every token of a run of bytes, the reference the scan's inner loop follows (a test compares them):
 * `w` tokens are the runs of letters and digits; `s` tokens the runs of words joined by single
 * separators that hold at least one separator; `b` tokens the runs of base64 symbols, then their
 * padding (a run of letters and digits is both a `w` and a `b` token: the kinds are looked up apart).
 */
export function tokensOf(bytes: Uint8Array, min = MIN_TOKEN): Token[] {
  const out: Token[] = [];
  const text = (s: number, e: number) => Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s).toString('latin1');
  const n = bytes.length;
  // w
  for (let i = 0; i < n; ) {
    if (!(CLASS[bytes[i]!]! & ALNUM)) { i++; continue; }
    let e = i;
    while (e < n && CLASS[bytes[e]!]! & ALNUM) e++;
    if (e - i >= min) out.push({ cls: 'w', text: canonical('w', text(i, e)), start: i });
    i = e;
  }
  // s: alnum (sep alnum)+
  for (let i = 0; i < n; ) {
    if (!(CLASS[bytes[i]!]! & ALNUM)) { i++; continue; }
    let e = i;
    let seps = 0;
    for (;;) {
      while (e < n && CLASS[bytes[e]!]! & ALNUM) e++;
      if (e + 1 < n && CLASS[bytes[e]!]! & SEP && CLASS[bytes[e + 1]!]! & ALNUM) { e++; seps++; continue; }
      break;
    }
    if (seps && e - i >= min) out.push({ cls: 's', text: canonical('s', text(i, e)), start: i });
    i = e;
  }
  // b
  for (let i = 0; i < n; ) {
    if (!(CLASS[bytes[i]!]! & (ALNUM | B64))) { i++; continue; }
    let e = i;
    while (e < n && CLASS[bytes[e]!]! & (ALNUM | B64)) e++;
    let p = 0;
    while (p < 2 && e < n && bytes[e] === 0x3d) { e++; p++; }
    if (e - i >= min) out.push({ cls: 'b', text: text(i, e), start: i });
    i = e;
  }
  return out.sort((a, b) => a.start - b.start || a.cls.localeCompare(b.cls));
}
