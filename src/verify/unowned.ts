/**
 * SPEC 9 (c): files under /etc and /var/lib that no package owns, that were made on this machine
 * (by a maintainer script at install, by a service at its first start, by a person), and that look
 * like a key or an id. Real software puts machine identity in places no list names (the TLS snakeoil
 * key, the iSCSI initiator name, the SNMP engine id, Dropbear's host keys, munge's and BIND's shared
 * keys); this finds them by what they are, not by where they are.
 *
 * Ownership comes from the package manager's own database in the target, never from the host:
 * - Debian: /var/lib/dpkg/info/*.list (every path a package installed) and *.conffiles, the
 *   conffiles in /var/lib/dpkg/status (obsolete ones stay on disk and stay owned), diversions (both
 *   the diverted path and where the original went) and the alternatives' links
 *   (/var/lib/dpkg/alternatives/*). A path the database spells through a linked directory is owned
 *   under its real spelling too.
 * - RPM roots (/var/lib/rpm or /usr/lib/sysimage/rpm, no dpkg): ownership needs rpm's database (a
 *   Berkeley DB, NDB or SQLite file with its own header format); we do not read it yet, and guessing
 *   ownership from paths would call files unowned that a package installed. So an RPM root reports
 *   nothing here, and so does a root with no package database we know (apk, pacman).
 *
 * "Looks like a key or an id" is decided by content first, with the file's name only to loosen or
 * grade a content test, never alone:
 * - private keys by format: PEM/PKCS#1/PKCS#8/SEC1/OpenSSH/PGP/SSH2 armour with a real body, PuTTY
 *   key files, GnuPG's private-key S-expressions, DER private keys (parsed with node:crypto, never
 *   run), Dropbear's binary keys (a 4-byte length and the key type: `ssh-ed25519`, …), OpenPGP secret
 *   key packets, Kerberos keytabs (magic 0x0502 in a file named *keytab*), PKCS#12 stores (*.p12,
 *   *.pfx) → `unowned/key`, high;
 * - a shared secret: a `secret`/`key`/`token`/`psk`/`cookie` line whose value is a random token of at
 *   least 16 bytes (BIND's rndc.key) → `unowned/key`, high;
 * - random bytes or a random token in a file named for a secret (*key*, *secret*, *token*, *cookie*,
 *   *seed*, *keytab*: munge.key, NetworkManager's secret_key, systemd's credential.secret and
 *   random-seed, an Erlang cookie) → `unowned/key`, high;
 * - the machine's public key material: a certificate issued to this machine (not a CA: a trust store
 *   or CA file is the same on every machine), a lone public key (ssh_host_*_key.pub) →
 *   `unowned/key`, medium;
 * - an id: a small file (< 4 KiB) that is one random token of ≥ 16 bytes (hex, UUID, base64: the
 *   machine-id), or a `key value` line whose key names a machine's own identity (`oldEngineID`,
 *   `InitiatorName`, `machine_id`, `host-uuid`, …) with a machine-unique value → `unowned/id`,
 *   medium.
 *
 * Not findings, and why:
 * - the package managers' own state: /var/lib/dpkg, /var/lib/apt, /var/lib/ucf, /var/lib/rpm (the
 *   records of what was installed: file lists, digests of the distributed files, package indices and
 *   their signatures; the same on every machine with the same packages), and sysprep's own state in
 *   /var/lib/sysprep (the Panther log, the progress record, the fingerprint record of salted
 *   digests: what the fingerprint scan works from, not the machine's identity);
 * - public keyrings and trust stores (OpenPGP public keys, armoured or binary, keyboxes, CA
 *   certificates and bundles, Java key stores, which Debian builds from the CA bundle): repository
 *   signing keys and CAs are the same on every machine;
 * - `uuid=`/`id=` keys without a subject: they name the object a file describes (a connection
 *   profile, a volume group, a file system in fstab), which travels with the image, not the machine;
 * - symbolic links (the file they point at is judged where it is), devices, FIFOs, sockets; files
 *   over 1 MiB (key and id files are small; big unowned files are databases and caches); compressed
 *   files (random-looking by nature);
 * - anything outside /etc and /var/lib (SPEC 9; homes, logs and the rest are the other scans').
 *
 * Every read goes through RootFs (confined to the root, links resolved inside it); the walk never
 * enters a link; nothing is written; no byte of a scanned file is ever evaluated.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Stats } from 'node:fs';
import type { RootFs } from '../rootfs/rootfs.js';
import { packageOwnership } from '../system/packages.js';
import type { Finding, Place, Severity } from './types.js';

/** Where (c) looks (SPEC 9). */
export const UNOWNED_SCOPE = ['/etc', '/var/lib'] as const;

/** Package-manager and sysprep state below the scope: not the machine's identity (see above). */
export const SKIPPED_DIRECTORIES = ['/var/lib/dpkg', '/var/lib/apt', '/var/lib/ucf', '/var/lib/rpm', '/var/lib/sysprep'] as const;

/** Files larger than this are not read: keys and ids are small, big unowned files are databases. */
export const MAX_READ = 1 << 20;
/** "A small file" for the one-token rule. */
const SMALL_FILE = 4096;
/** Text and binary blobs larger than this are not id or secret files. */
const MAX_BLOB = 64 << 10;

// ---------------------------------------------------------------- the scan

/** Files under /etc and /var/lib that no package owns and that look like a key or an id. */
export function unownedIdentityFiles(fs: RootFs): Finding[] {
  const ownership = packageOwnership(fs);
  if (ownership.manager !== 'dpkg') return [];
  const { owned } = ownership;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  // compared with walked paths, which are real (a linked /var/lib is walked where it leads)
  const skipped = new Set<string>(SKIPPED_DIRECTORIES.map((d) => safeReal(fs, d)));
  for (const top of UNOWNED_SCOPE) {
    if (!fs.isDirectory(top)) continue;
    const base = fs.realTargetPath(top);
    if (seen.has(base)) continue;
    seen.add(base);
    fs.walk(base, (p, st) => {
      if (st.isDirectory()) return !skipped.has(p);
      if (!st.isFile() || owned.has(p)) return;
      const finding = judgeFile(fs, p, st, owned);
      if (finding) findings.push(finding);
    });
  }
  return findings;
}

function judgeFile(fs: RootFs, p: string, st: Stats, owned: Set<string>): Finding | undefined {
  if (st.size === 0 || st.size > MAX_READ) return undefined;
  const bytes = fs.readBytes(p);
  if (!bytes) return undefined; // unreadable: the scan reports it
  const hit = classifyIdentity(baseName(p), bytes);
  if (!hit) return undefined;
  // walked paths are literal; a package may own the file under its real spelling only
  const real = safeReal(fs, p);
  if (real !== p && owned.has(real)) return undefined;
  return {
    kind: 'unowned',
    path: p,
    place: hit.place,
    rule: hit.rule,
    severity: hit.severity,
    message: `${hit.what}; no package owns this file (made on this machine)`,
  };
}

function safeReal(fs: RootFs, p: string): string {
  try {
    return fs.realTargetPath(p);
  } catch {
    return p;
  }
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------- what a file is

export interface Identity {
  rule: 'unowned/key' | 'unowned/id';
  severity: Severity;
  /** what it is, for people (never the value) */
  what: string;
  place: Place;
}

const privateKey = (what: string, place: Place = {}): Identity => ({ rule: 'unowned/key', severity: 'high', what, place });
const publicKey = (what: string, place: Place = {}): Identity => ({ rule: 'unowned/key', severity: 'medium', what, place });
const anId = (what: string, place: Place = {}): Identity => ({ rule: 'unowned/id', severity: 'medium', what, place });

/**
 * What a file is, from its name (the last path component) and its bytes: a key, an id, or nothing.
 * Pure, so each heuristic can be tested on its own.
 */
export function classifyIdentity(name: string, bytes: Buffer): Identity | undefined {
  if (bytes.length === 0) return undefined;
  if (name === 'pg_control' && bytes.length === PG_CONTROL_SIZE) {
    // PostgreSQL's control file starts with the cluster's system identifier (64 bits), made by initdb
    return anId("a PostgreSQL cluster's system identifier (global/pg_control): every clone would be that one cluster", { offset: 0 });
  }
  const hint = nameHint(name);
  if (isText(bytes)) return classifyText(name, hint, bytes.toString('utf8'), bytes.length);
  return classifyBinary(name, hint, bytes);
}

/** PG_CONTROL_FILE_SIZE of PostgreSQL's pg_control.h: the file is always exactly this long. */
const PG_CONTROL_SIZE = 8192;

type Hint = 'secret' | 'id' | undefined;

const SECRET_WORDS = new Set(['key', 'keys', 'privkey', 'privatekey', 'hostkey', 'secret', 'secrets', 'token', 'tokens', 'cookie', 'seed', 'keytab', 'psk']);
const ID_WORDS = new Set(['id', 'uuid', 'guid', 'machineid', 'hostid', 'engineid', 'instanceid', 'initiatorname', 'duid', 'iid']);

/** What a file's name says it holds: words split at punctuation and camel case. */
export function nameHint(name: string): Hint {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  if (words.some((w) => SECRET_WORDS.has(w) || /^(host|priv|private|api|master|session|signing|secret)key$/.test(w))) return 'secret';
  if (words.some((w) => ID_WORDS.has(w))) return 'id';
  return undefined;
}

// ---------------------------------------------------------------- text

/** The armour lines we recognise: "-----BEGIN … PRIVATE KEY-----", "---- BEGIN SSH2 … ----". */
const ARMOUR = /^-{4,5} ?BEGIN ([A-Z0-9 ]+?) ?-{4,5}\s*$/;

function classifyText(name: string, hint: Hint, text: string, size: number): Identity | undefined {
  const lines = text.split('\n');
  let publicHit: Identity | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const armour = ARMOUR.exec(line);
    if (armour) {
      const label = armour[1]!;
      const body = armourBody(lines, i + 1);
      if (/PRIVATE KEY( BLOCK)?$/.test(label) && body.length >= 64) {
        return privateKey(`${describeArmour(label)} private key`, { line: i + 1 });
      }
      if (/^(RSA |EC |DSA )?PUBLIC KEY$|^SSH2 PUBLIC KEY$/.test(label) && body.length >= 64 && !publicHit) {
        publicHit = publicKey('a public key (the machine\'s own key pair)', { line: i + 1 });
      }
      if (/^(TRUSTED |X509 )?CERTIFICATE$/.test(label) && !publicHit) {
        const cert = machineCertificate(lines, i);
        if (cert) publicHit = publicKey(cert, { line: i + 1 });
      }
      continue;
    }
    if (/^PuTTY-User-Key-File-\d+:/.test(line)) return privateKey('a PuTTY private key', { line: i + 1 });
    if (/^(Key: )?\((protected-|shadowed-)?private-key\b/.test(line)) return privateKey('a GnuPG private key', { line: i + 1 });
  }
  if (size <= MAX_BLOB) {
    const secret = secretLine(lines);
    if (secret) return secret;
  }
  if (publicHit) return publicHit;
  const pub = lonePublicKey(name, lines);
  if (pub) return pub;
  if (size < SMALL_FILE) {
    const token = text.trim();
    if (token && !/\s/.test(token)) {
      if (hint === 'secret' && randomToken(token, 64, true)) return privateKey('a random secret token', { line: 1 });
      if (randomToken(token, 128) || (hint === 'id' && randomToken(token, 64))) {
        return anId(`a random ${tokenKind(token)} id`, { line: 1 });
      }
    }
  }
  if (size <= MAX_BLOB) return idLine(lines);
  return undefined;
}

function describeArmour(label: string): string {
  const kind = label.replace(/ ?PRIVATE KEY( BLOCK)?$/, '').trim();
  if (kind === 'OPENSSH') return 'an OpenSSH';
  if (kind === 'PGP') return 'an OpenPGP';
  if (kind === 'ENCRYPTED') return 'an encrypted PKCS#8';
  if (kind === 'SSH2 ENCRYPTED' || kind === 'SSH2') return 'an SSH2';
  if (kind === '') return 'a PKCS#8';
  return `a PEM ${kind}`;
}

/** The base64 of an armoured block (headers such as "Proc-Type: …" left out), up to its END line. */
function armourBody(lines: string[], from: number): string {
  let body = '';
  for (let j = from; j < lines.length; j++) {
    const l = lines[j]!.trim();
    if (/^-{4,5} ?END /.test(l)) break;
    if (l.includes(':')) continue;
    body += l.replace(/[^A-Za-z0-9+/=]/g, '');
  }
  return body;
}

/**
 * A certificate issued to this machine: a description when some certificate in the file is not a CA
 * (a CA certificate or a bundle of them is the same on every machine; so is a file we cannot parse).
 */
function machineCertificate(lines: string[], begin: number): string | undefined {
  let end = begin + 1;
  while (end < lines.length && !/^-----END /.test(lines[end]!)) end++;
  if (end >= lines.length) return undefined;
  try {
    const cert = new X509Certificate(lines.slice(begin, end + 1).join('\n'));
    if (cert.ca) return undefined;
    return cert.issuer === cert.subject ? 'a self-signed certificate issued to this machine' : 'a certificate issued to this machine';
  } catch {
    return undefined;
  }
}

/**
 * One OpenSSH public key (ssh-keygen's .pub), not a list of other parties' keys: authorized_keys and
 * known_hosts hold people's and other hosts' keys, which is configuration, not this machine's id.
 */
function lonePublicKey(name: string, lines: string[]): Identity | undefined {
  if (/^(authorized_keys|known_hosts|ssh_known_hosts)/.test(name)) return undefined;
  const content = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (content.length !== 1) return undefined;
  const m = /^((?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(?:-cert-v0[01]@openssh\.com)?) (AAAA[A-Za-z0-9+/]{40,}={0,2})(\s|$)/.exec(content[0]!);
  if (!m) return undefined;
  return publicKey(`an SSH public ${m[1]!.includes('-cert-') ? 'certificate' : 'key'} (${m[1]!.replace(/-cert-v0[01]@openssh\.com$/, '')})`, {
    line: lines.findIndex((l) => l.trim() === content[0]) + 1,
  });
}

/** `key value`, `key=value`, `key: value`, `"key": "value",`, `secret "value";` */
const KEY_VALUE = /^\s*["']?([A-Za-z][A-Za-z0-9_.-]*)["']?\s*(?:[=:]\s*|\s+)["']?([^\s"';,]+)["']?\s*[;,]?\s*$/;

/** Keys that name a shared secret (BIND's `secret`, `psk`, `api_key`, `auth-token`, …). */
function isSecretKey(key: string): boolean {
  return /^(secret|psk|presharedkey|sharedkey|sharedsecret|secretkey|privatekey|apikey|authkey|authtoken|accesstoken|apitoken|token|cookie|hmackey|signingkey|clientsecret|masterkey)$/.test(key);
}

/** Keys that name the machine's own identity; a bare `id`/`uuid` names whatever the file describes. */
function isIdentityKey(key: string): boolean {
  return /^(old|local)?engineid$|^initiatorname$|^(machine|host|system|node|instance|installation|install|agent|device|server|hardware|dbus|boot|engine)(id|uuid|guid)$|^(default)?duid$/.test(key);
}

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function secretLine(lines: string[]): Identity | undefined {
  for (let i = 0; i < lines.length; i++) {
    const m = KEY_VALUE.exec(lines[i]!);
    if (!m || !isSecretKey(normaliseKey(m[1]!))) continue;
    if (randomToken(m[2]!, 128)) return privateKey(`a shared secret (${m[1]})`, { line: i + 1 });
  }
  return undefined;
}

function idLine(lines: string[]): Identity | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*[#;]/.test(line)) continue;
    const m = KEY_VALUE.exec(line);
    if (!m) continue;
    const key = normaliseKey(m[1]!);
    if (!isIdentityKey(key)) continue;
    const value = m[2]!;
    if (machineUnique(value) || (key === 'initiatorname' && /^(iqn\.\d{4}-\d\d\.|eui\.[0-9a-f]{16}$|naa\.[0-9a-f]{16})/i.test(value))) {
      return anId(`a machine id (${m[1]})`, { line: i + 1 });
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- binary

const COMPRESSED = [
  [0x1f, 0x8b], // gzip
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
  [0x42, 0x5a, 0x68], // bzip2
  [0x50, 0x4b, 0x03, 0x04], // zip
  [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], // 7z
  [0x04, 0x22, 0x4d, 0x18], // lz4
  [0x89, 0x4c, 0x5a, 0x4f], // lzop
];

function classifyBinary(name: string, hint: Hint, b: Buffer): Identity | undefined {
  const dropbear = sshWireKey(b);
  if (dropbear) return privateKey(`a Dropbear private key (${dropbear})`, { offset: 0 });
  const pgp = openPgpPacket(b);
  if (pgp === 'secret') return privateKey('an OpenPGP secret key', { offset: 0 });
  if (pgp === 'public' || b.subarray(8, 12).toString('latin1') === 'KBXf') return undefined; // a keyring
  if (b[0] === 0x30) {
    const der = derKey(b);
    if (der) return der;
  }
  if (b.length > 4 && b[0] === 0x05 && (b[1] === 0x02 || b[1] === 0x01) && /keytab/i.test(name)) {
    return privateKey('a Kerberos keytab', { offset: 0 });
  }
  if (/\.(p12|pfx)$/i.test(name) && b[0] === 0x30) return privateKey('a PKCS#12 key store', { offset: 0 });
  if (!hint || b.length < 16 || b.length > MAX_BLOB) return undefined;
  if (COMPRESSED.some((m) => m.every((x, i) => b[i] === x))) return undefined;
  if (!randomBytes(b)) return undefined;
  return hint === 'secret'
    ? privateKey(`${b.length} random bytes (a secret key)`, { offset: 0 })
    : anId(`${b.length} random bytes (a binary id)`, { offset: 0 });
}

/** Dropbear's key files start with the SSH wire format: a 4-byte length, then the key type. */
function sshWireKey(b: Buffer): string | undefined {
  if (b.length < 16) return undefined;
  const n = b.readUInt32BE(0);
  if (n < 7 || n > 40 || b.length < 4 + n + 4) return undefined;
  const type = b.toString('latin1', 4, 4 + n);
  if (!/^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521))$/.test(type)) return undefined;
  // the next field is another length-prefixed string or mpint, which fits in the file
  const next = b.readUInt32BE(4 + n);
  return next > 0 && 4 + n + 4 + next <= b.length ? type : undefined;
}

/** An OpenPGP key packet at the start (RFC 4880 4.2): tag 5 is a secret key, 6 a public key. */
function openPgpPacket(b: Buffer): 'secret' | 'public' | undefined {
  if (b.length < 8 || !(b[0]! & 0x80)) return undefined;
  let tag: number;
  let bodyAt: number;
  if (b[0]! & 0x40) {
    tag = b[0]! & 0x3f;
    const l = b[1]!;
    bodyAt = l < 192 ? 2 : l < 224 ? 3 : l === 255 ? 6 : -1;
  } else {
    tag = (b[0]! >> 2) & 0x0f;
    const lenType = b[0]! & 0x03;
    bodyAt = lenType === 0 ? 2 : lenType === 1 ? 3 : lenType === 2 ? 5 : -1;
  }
  if (bodyAt < 0 || bodyAt >= b.length || ![3, 4, 5, 6].includes(b[bodyAt]!)) return undefined;
  return tag === 5 ? 'secret' : tag === 6 ? 'public' : undefined;
}

/** A DER private key (PKCS#8, PKCS#1, SEC1) or a DER certificate issued to this machine. */
function derKey(b: Buffer): Identity | undefined {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      createPrivateKey({ key: b, format: 'der', type });
      return privateKey(`a DER private key (${type.toUpperCase()})`, { offset: 0 });
    } catch (err) {
      // an encrypted PKCS#8 key is still a private key
      if ((err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') return privateKey('an encrypted DER private key', { offset: 0 });
    }
  }
  try {
    const cert = new X509Certificate(b);
    if (!cert.ca) return publicKey('a certificate issued to this machine (DER)', { offset: 0 });
  } catch {
    // not a certificate either
  }
  return undefined;
}

// ---------------------------------------------------------------- randomness

/** Text: no NUL, valid UTF-8, almost no control characters. */
export function isText(b: Buffer): boolean {
  const n = Math.min(b.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) control++;
  }
  if (control > n / 100) return false;
  return !b.toString('utf8', 0, n).slice(0, -4).includes('\uFFFD');
}

/** Expected number of distinct symbols in n uniform draws from an alphabet of size k. */
function expectedDistinct(k: number, n: number): number {
  return k * (1 - Math.pow(1 - 1 / k, n));
}

function distinctCount(s: Iterable<string | number>): number {
  return new Set(s).size;
}

function longestRun(s: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    run = i > 0 && s[i] === s[i - 1] ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

/** The smallest usual alphabet a token is drawn from, and its size. */
function alphabetOf(s: string): number {
  if (/^[0-9a-f]+$/.test(s) || /^[0-9A-F]+$/.test(s)) return 16;
  if (/^[0-9]+$/.test(s)) return 10;
  if (/^[a-z]+$/.test(s) || /^[A-Z]+$/.test(s)) return 26;
  if (/^[a-z0-9]+$/.test(s) || /^[A-Z0-9]+$/.test(s)) return 36;
  if (/^[A-Za-z0-9]+$/.test(s)) return 62;
  if (/^[A-Za-z0-9+/=_-]+$/.test(s)) return 64;
  return 94;
}

/**
 * A token that looks drawn at random with at least `bits` of randomness: its symbols as varied as a
 * random string's of that length over its alphabet, no long runs, and the character classes a random
 * string of its alphabet mixes (hex: digits and letters; base64: digits, lower and upper case). A
 * single-case letter or letter-digit token (an Erlang cookie) passes only when `singleCase` is allowed:
 * a file named for a secret; elsewhere such a token is more often a word or a name.
 */
export function randomToken(raw: string, bits: number, singleCase = false): boolean {
  let s = raw;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)) s = s.replace(/-/g, '');
  else if (/^0x[0-9a-f]+$/i.test(s)) s = s.slice(2);
  s = s.replace(/={1,2}$/, '');
  if (/[^\x21-\x7e]/.test(s)) return false;
  const k = alphabetOf(s);
  if (k === 94 || k === 10) return false; // free text and plain numbers are not tokens we can judge
  if (s.includes('/') && /[-_]/.test(s)) return false; // a path, not base64
  if (s.length * Math.log2(k) < bits) return false;
  if (distinctCount(s) < 0.75 * expectedDistinct(k, s.length)) return false;
  if (longestRun(s) > 5) return false;
  const digit = /[0-9]/.test(s);
  if (k === 16) return digit && /[a-f]/i.test(s);
  if (k >= 62) return digit && /[a-z]/.test(s) && /[A-Z]/.test(s);
  return singleCase;
}

function tokenKind(token: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token)) return 'UUID';
  if (/^(0x)?[0-9a-f]+$/i.test(token)) return 'hex';
  return 'base64';
}

/** An id value that is this machine's: a random token, a UUID, or a long random hex run inside it. */
export function machineUnique(value: string): boolean {
  if (randomToken(value, 64)) return true;
  for (const run of value.match(/[0-9a-f]{12,}/gi) ?? []) {
    if (/[0-9]/.test(run) && /[a-f]/i.test(run) && distinctCount(run.toLowerCase()) >= 6) return true;
  }
  return false;
}

/**
 * The bytes with repeated random-looking 16-byte blocks kept once: I2P's "compressible padding"
 * (proposal 161, i2pd's destination and router keys) fills a key file with one random 32-byte block
 * repeated, which lowers the whole file's entropy though every other byte is random. A repeated block
 * that is not random itself (zeros, a fill pattern) stays, so structured files are judged as before.
 */
function withoutRepeatedPadding(b: Buffer): Buffer {
  const BLOCK = 16;
  const blocks = Math.floor(b.length / BLOCK);
  const seen = new Map<string, number>();
  for (let i = 0; i < blocks; i++) {
    const k = b.toString('latin1', i * BLOCK, (i + 1) * BLOCK);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  const padding = new Set([...seen].filter(([k, count]) => count >= 3 && distinctCount(k) >= 12).map(([k]) => k));
  if (!padding.size) return b;
  const kept: Buffer[] = [];
  const once = new Set<string>();
  for (let i = 0; i < blocks; i++) {
    const k = b.toString('latin1', i * BLOCK, (i + 1) * BLOCK);
    if (padding.has(k)) {
      if (once.has(k)) continue;
      once.add(k);
    }
    kept.push(b.subarray(i * BLOCK, (i + 1) * BLOCK));
  }
  kept.push(b.subarray(blocks * BLOCK));
  return Buffer.concat(kept);
}

/** Random bytes: symbols as varied as random bytes', and close to their entropy (repeated padding aside). */
export function randomBytes(whole: Buffer): boolean {
  const b = withoutRepeatedPadding(whole);
  const n = Math.min(b.length, 4096);
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < n; i++) counts[b[i]!]!++;
  const distinct = counts.filter((c) => c > 0).length;
  if (distinct < 0.75 * expectedDistinct(256, n)) return false;
  let h = 0;
  for (const c of counts) if (c) h -= (c / n) * Math.log2(c / n);
  return h >= 0.85 * Math.log2(Math.min(n, 256));
}
