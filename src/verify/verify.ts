/**
 * `sysprep verify` (SPEC 9), the whole of one scan: every regular file of the target is read once
 * (scan.ts) for the golden machine's fingerprints, and what may hold a secret goes through the
 * secret rules (secrets.ts); then the files no package owns under /etc and /var/lib (unowned.ts).
 * Matches in files a package shipped and nobody changed are chance (a host name in documentation,
 * a test key in a package's examples), not findings. What the allow-list names is left out. Each
 * finding gets the provider that removes it, by asking every provider what it would change (a dry
 * run, nothing written).
 */
import * as nodefs from 'node:fs';
import { AGENT_DIR, GENERATOR, PATHS, PROFILE_HOOK, UNIT_DIR } from '../model/paths.js';
import { appliesTo, compareProviders, providerContext, runOptions } from '../providers/api.js';
import { allProviders } from '../providers/index.js';
import { RootFs } from '../rootfs/rootfs.js';
import { packageFiles } from '../system/packages.js';
import { PantherLog } from '../system/panther.js';
import { loadTarget } from '../system/target.js';
import { allowed, parseAllowList, type AllowEntry } from './allow.js';
import type { FingerprintRecord } from './fingerprints.js';
import { linesAt, Matcher, scanFile, walkFiles, type ScanNote } from './scan.js';
import { loadSecretRules, secretPathRule } from './secrets.js';
import type { Finding, SecretContext, Severity } from './types.js';
import { unownedIdentityFiles } from './unowned.js';

/** what the secret rules read of one file at most */
const MAX_SECRET_TEXT = 8 * 1024 * 1024;

export interface VerifyOptions {
  /** the golden machine's fingerprints; none: (a) is not checked, and the report says so */
  record?: FingerprintRecord;
  keepAccounts?: readonly string[];
  /** the allow-list's entries (default: the target's /etc/sysprep/verify-allow) */
  allow?: readonly AllowEntry[];
}

export interface VerifyReport {
  findings: Finding[];
  /** findings the allow-list left out */
  allowed: number;
  /** fingerprints searched for (null: none recorded) */
  fingerprints: number | null;
  files: number;
  bytes: number;
  seconds: number;
  notes: ScanNote[];
  /** files (or what they hold) that could not be read: the verdict is not complete */
  unscanned: number;
}

/**
 * What each fingerprint is, for people. Never the word "golden" or a value: the findings go into the
 * seal's own log, which stays in the image and is scanned like everything else.
 */
const WHAT: Record<string, string> = {
  'machine-id': "the original machine's id",
  'host-name': "the original machine's host name",
  mac: "a MAC address of the original machine",
  'ip-address': 'an IP address the original machine leased',
  duid: "the original machine's DHCP client id (DUID)",
  'private-key': 'a private key made on the original machine',
  certificate: 'a certificate made on the original machine',
  'random-seed': "the original machine's random seed or secret",
  'identity-file': "an id from the original machine's identity files",
};

function describe(what: string, from: string): string {
  const base = what.startsWith('ssh-host-key') ? `the original machine's SSH host key (${what.slice('ssh-host-key:'.length) || 'private'})` : WHAT[what] ?? what;
  return `${base} (recorded from ${from} before the seal)`;
}

const SEVERITY: Record<string, Severity> = { 'host-name': 'medium', 'ip-address': 'low', mac: 'medium' };

/** The one-line verdict: `verified: clean`, `verified: 3 findings, 1 file not scanned, 2 allowed`. */
export function verdict(r: Pick<VerifyReport, 'findings' | 'unscanned' | 'allowed'>): string {
  const parts = [r.findings.length ? `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}` : 'clean'];
  if (r.unscanned) parts.push(`${r.unscanned} file${r.unscanned === 1 ? '' : 's'} not scanned`);
  if (r.allowed) parts.push(`${r.allowed} allowed`);
  return `verified: ${parts.join(', ')}`;
}

/** A finding as one line: `PATH:LINE (inside gzip): SEVERITY: [RULE] what (N places in the file); removed by …`. */
export function formatFinding(f: Finding): string {
  const where = f.place.name ? ' (its name)' : f.place.line !== undefined ? `:${f.place.line}` : f.place.offset !== undefined ? ` @${f.place.offset}` : '';
  const inside = f.place.inside ? ` (inside ${f.place.inside})` : '';
  const more = f.count && f.count > 1 ? ` (${f.count} places in the file)` : '';
  return `${f.path}${where}${inside}: ${f.severity}: [${f.rule}] ${f.message}${more}${f.fix ? `; removed by ${f.fix}` : ''}`;
}

/** The target's allow-list, or none. A malformed one is an error (bad input). */
export function readAllowList(fs: RootFs): AllowEntry[] {
  const text = fs.readText(PATHS.verifyAllow);
  return text === undefined ? [] : parseAllowList(text, PATHS.verifyAllow);
}

/**
 * sysprep's own first-boot agent, as the seal installs it from this build (the runner, the bundle,
 * its Node.js, units, generator, login hook): our bytes, not the machine's. Vendors' providers in
 * providers.d are the machine's and are scanned.
 */
export function isAgentFile(p: string): boolean {
  if (p.startsWith(`${AGENT_DIR}/`)) return !p.startsWith(`${AGENT_DIR}/providers.d/`);
  return p === GENERATOR || p === PROFILE_HOOK || (p.startsWith(`${UNIT_DIR}/sysprep-`) && p.endsWith('.service'));
}

/** the package manager's indexes, downloaded from the archive: every word of every package description */
const PACKAGE_INDEXES = /^\/var\/(lib\/apt\/lists|cache\/apt|lib\/dnf|cache\/dnf|cache\/yum)\//;

/** The first `max` bytes of a file, as latin1 text (what the secret rules read). */
function readHead(host: string, max: number): string {
  let fd: number;
  try {
    fd = nodefs.openSync(host, nodefs.constants.O_RDONLY | nodefs.constants.O_NOFOLLOW | nodefs.constants.O_NONBLOCK);
  } catch {
    return ''; // gone since it was scanned a moment ago
  }
  try {
    const buf = Buffer.allocUnsafe(Math.min(max, nodefs.fstatSync(fd).size));
    const n = nodefs.readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('latin1', 0, n);
  } finally {
    nodefs.closeSync(fd);
  }
}

/** Scan a target. `fs` is read only (a dry-run RootFs is fine). */
export async function verifyTarget(fs: RootFs, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now();
  const allow = options.allow ?? readAllowList(fs);
  const pkgs = packageFiles(fs);
  const matcher = options.record ? new Matcher(options.record) : undefined;
  // without a record the files are still read (compressed ones inside) for the secret rules
  const nothingRecorded = new Matcher({ format: 'sysprep-fingerprints', version: 1, recordedAt: '', salt: '', fingerprints: [] });
  const rules = await loadSecretRules();
  const ctx: SecretContext = { keepAccounts: options.keepAccounts ?? options.record?.keepAccounts ?? [] };
  const findings: Finding[] = [];
  const notes: ScanNote[] = [];
  let files = 0;
  let bytes = 0;
  let unscanned = 0;
  if (!options.record) notes.push({ path: PATHS.fingerprints, message: 'no fingerprints of the original machine were recorded: its identity was not searched for (record them with `sysprep verify --record` before the seal, or give --fingerprints FILE)' });

  const skip = (p: string) => p === PATHS.fingerprints || isAgentFile(p);
  const walkErrors = (p: string, message: string) => {
    notes.push({ path: p, message, unscanned: true });
    unscanned++;
  };
  for (const e of walkFiles(fs.root, skip, walkErrors)) {
    files++;
    bytes += e.st.size;
    // a file a package shipped and nobody changed holds nothing of this machine: its checksum (native
    // code, several times faster than the token scan) says so, and the scan is spared
    if (pkgs.md5(e.path) !== undefined && pkgs.shippedUnchanged(e.path)) continue;
    // the secret rules read text: the file's, or what it holds compressed. A file's own text is only
    // tested against the keywords as it streams by (no copy), and read again when they match: rare.
    // What a compressed file holds is kept (those are small) when it is text.
    const texts = new Map<string, { chunks: Buffer[]; size: number; keyword: boolean }>();
    const pathRule = secretPathRule(e.path);
    const onText = (chunk: Buffer, inside?: string) => {
      const k = inside ?? '';
      let t = texts.get(k);
      if (!t) texts.set(k, (t = { chunks: [], size: 0, keyword: pathRule }));
      if (t.size >= MAX_SECRET_TEXT) return;
      const part = chunk.subarray(0, MAX_SECRET_TEXT - t.size);
      if (!t.keyword) {
        rules.keywords.lastIndex = 0;
        t.keyword = rules.keywords.test(part.toString('latin1'));
      }
      if (inside) t.chunks.push(Buffer.from(part));
      t.size += part.length;
    };
    const r = await scanFile(e.host, e.st, matcher ?? nothingRecorded, onText);
    for (const n of r.notes) notes.push({ path: e.path, message: n, ...(r.unscanned ? { unscanned: true as const } : {}) });
    if (r.unscanned) unscanned++;

    const fileFindings: Finding[] = [];
    if (matcher) {
      const named = matcher.matchName(e.path);
      if (named) fileFindings.push({ kind: 'fingerprint', path: e.path, place: { name: true }, rule: named.what, severity: SEVERITY[named.what] ?? 'high', message: `its name holds ${describe(named.what, named.from)}` });
      const plain = r.matches.filter((x) => !x.place.inside && x.place.offset !== undefined && x.place.offset >= 0).map((x) => x.place.offset!);
      const lines = r.text && plain.length ? linesAt(e.host, plain) : new Map<number, number>();
      // one finding a fingerprint and stream of the file, at its first place, with how many there are
      const groups = new Map<string, Finding>();
      for (const x of r.matches) {
        // a value that may occur by chance (a host name that is a word): only in text, and not in the package indexes
        if (x.fp.common && (!(x.place.inside ? x.text : r.text) || PACKAGE_INDEXES.test(e.path))) continue;
        const line = !x.place.inside && x.place.offset !== undefined ? lines.get(x.place.offset) : undefined;
        const place = line !== undefined ? { line } : x.place;
        const id = `${x.fp.what}\0${place.inside ?? ''}\0${x.fp.file && !place.offset ? 'file' : ''}`;
        const g = groups.get(id);
        if (g) {
          g.count = (g.count ?? 1) + (x.more ?? 1);
          continue;
        }
        groups.set(id, { kind: 'fingerprint', path: e.path, place, rule: x.fp.what, severity: SEVERITY[x.fp.what] ?? 'high', message: `${x.fp.file && !x.place.offset ? 'a copy of ' : ''}${describe(x.fp.what, x.fp.from)}` });
      }
      fileFindings.push(...groups.values());
    }
    for (const [inside, t] of texts) {
      if (!t.keyword) continue;
      const text = inside ? Buffer.concat(t.chunks).toString('latin1') : readHead(e.host, MAX_SECRET_TEXT);
      for (const h of await rules.scan(e.path, text, ctx)) {
        fileFindings.push({
          kind: 'secret', path: e.path, rule: h.rule, severity: h.severity, message: h.message,
          place: { ...(h.line !== undefined ? { line: h.line } : {}), ...(h.offset !== undefined ? { offset: h.offset } : {}), ...(inside ? { inside: inside as 'gzip' } : {}) },
        });
      }
    }
    // a file a package shipped, unchanged: what matched in it is chance, not this machine's
    if (fileFindings.length && pkgs.shippedUnchanged(e.path)) continue;
    findings.push(...fileFindings);
  }

  findings.push(...unownedIdentityFiles(fs));

  let allowedCount = 0;
  const kept = findings.filter((f) => {
    if (!allowed(allow, f)) return true;
    allowedCount++;
    return false;
  });
  if (kept.length) await attributeFixes(fs.root, kept);
  kept.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.place.line ?? a.place.offset ?? 0) - (b.place.line ?? b.place.offset ?? 0)));
  return {
    findings: kept,
    allowed: allowedCount,
    fingerprints: options.record ? options.record.fingerprints.length : null,
    files,
    bytes,
    seconds: Math.round(performance.now() - started) / 1000,
    notes,
    unscanned,
  };
}

/**
 * Which provider removes each finding's file: every built-in and registered provider of the seal's
 * passes, in a dry run on the target (nothing is written), says what it would change; a finding under
 * a changed path is that provider's. A provider that fails in the dry run is left out.
 */
export async function attributeFixes(root: string, findings: Finding[]): Promise<void> {
  const fs = new RootFs(root, { dryRun: true });
  const target = loadTarget(fs);
  const log = new PantherLog(undefined, undefined);
  const changedBy = new Map<string, { id: string; byDefault: boolean }>();
  const providers = allProviders(fs).filter((p) => p.pass !== 'specialize' && appliesTo(p, target)).sort(compareProviders);
  for (const p of providers) {
    fs.setChangeListener((c) => {
      if (!changedBy.has(c.path)) changedBy.set(c.path, { id: p.id, byDefault: p.defaultEnabled });
    });
    try {
      const ctx = providerContext(p, { fs, target, log }, runOptions({ generalize: true, dryRun: true }));
      await p.run(ctx);
    } catch {
      // not this provider's to say
    }
  }
  fs.setChangeListener(undefined);
  for (const f of findings) {
    for (let p = f.path; p && p !== '/'; p = p.slice(0, Math.max(p.lastIndexOf('/'), 0))) {
      const by = changedBy.get(p);
      if (!by) continue;
      f.fix = by.byDefault ? `provider ${by.id} (on by default)` : `provider ${by.id} (off by default: --providers defaults,${by.id})`;
      break;
    }
  }
}
