/**
 * The golden machine's fingerprints (SPEC 9 a), taken before anything is removed: at the start of
 * /generalize, or by `sysprep verify --record` on a root that is not sealed yet.
 *
 * What identifies a machine, read from its files: the machine id (and D-Bus's copy), the host name
 * and FQDN, its MAC addresses (every spelling), its own IP addresses and DHCP client ids/DUIDs from
 * leases, its SSH host keys (public blobs, SHA256 and MD5 fingerprints, the private keys' bytes), other
 * private keys and certificates made on this machine (no package ships them), random seeds, and
 * every identity file the providers declare (`Provider.identity`, so the list grows with them).
 *
 * The record keeps digests, never values (tokens.ts: a 32-bit lookup key, a length and a salted
 * SHA-256 a form; a binary file's size and SHA-256), in /var/lib/sysprep/fingerprints.json, 0600.
 * Values with little entropy (a host name, an address) can be guessed back from any digest: that is
 * why the file is root's alone, and why `/generalize` can remove it once the seal is verified.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { machineUnique } from './unowned.js';
import type { RootFs } from '../rootfs/rootfs.js';
import { PATHS } from '../model/paths.js';
import { allProviders } from '../providers/index.js';
import { packageOwnership } from '../system/packages.js';
import { canonical, MIN_TOKEN, tokenDigest, tokenKey, tokensOf, type TokenClass } from './tokens.js';

export const FINGERPRINTS_FORMAT = 'sysprep-fingerprints';
export const FINGERPRINTS_VERSION = 1;

export interface Form {
  cls: TokenClass;
  len: number;
  key: number;
  digest: string;
}

export interface Fingerprint {
  /** what it is: machine-id, host-name, mac, ip-address, duid, ssh-host-key:ed25519, private-key, random-seed, identity-file */
  what: string;
  /** the file it was read from */
  from: string;
  /** the provider that removes it, when one does */
  provider?: string;
  /** a value that may also occur by chance in files a distribution ships (a host name, an address): such matches in unchanged package files are not findings */
  common?: true;
  forms: Form[];
  /** a binary file: found again when a file of the same size has the same content */
  file?: { size: number; sha256: string };
}

export interface FingerprintRecord {
  format: typeof FINGERPRINTS_FORMAT;
  version: number;
  recordedAt: string;
  salt: string;
  fingerprints: Fingerprint[];
  /** the accounts the seal kept, passwords and all ('*' = every one): their passwords are no findings */
  keepAccounts?: string[];
}

/** Values that name no machine in particular. */
const GENERIC_NAMES = new Set(['localhost', 'localhost.localdomain', 'localdomain', 'ip6-localhost', 'ip6-loopback', 'ip6-allnodes', 'ip6-allrouters', 'uninitialized']);
const MAC_RE = /(?<![0-9a-f:-])([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})(?![0-9a-f:-])/gi;
const IPV4_RE = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g;

class Recorder {
  readonly fingerprints: Fingerprint[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly salt: string) {}

  add(what: string, from: string, values: { cls: TokenClass; text: string }[], extra: { provider?: string; common?: true } = {}): void {
    const forms: Form[] = [];
    for (const v of values) {
      const text = canonical(v.cls, v.text);
      if (text.length < MIN_TOKEN || GENERIC_NAMES.has(text)) continue;
      const id = `${v.cls}:${text}`;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      forms.push({ cls: v.cls, len: text.length, key: tokenKey(text), digest: tokenDigest(this.salt, v.cls, text) });
    }
    if (forms.length) this.fingerprints.push({ what, from, ...extra, forms });
  }

  addFile(what: string, from: string, content: Buffer, provider?: string): void {
    if (content.length < 16) return;
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (this.seen.has(`file:${sha256}`)) return;
    this.seen.add(`file:${sha256}`);
    this.fingerprints.push({ what, from, ...(provider ? { provider } : {}), forms: [], file: { size: content.length, sha256 } });
  }
}

/** A value written as a word, and as separated words when it has separators. */
function wordForms(value: string): { cls: TokenClass; text: string }[] {
  const out: { cls: TokenClass; text: string }[] = [];
  if (/^[A-Za-z0-9]+$/.test(value)) out.push({ cls: 'w', text: value });
  else if (/^[A-Za-z0-9]+([.:_-][A-Za-z0-9]+)+$/.test(value)) out.push({ cls: 's', text: value });
  return out;
}

function macForms(mac: string): { cls: TokenClass; text: string }[] {
  const hex = mac.replace(/[^0-9a-f]/gi, '').toLowerCase();
  const pairs = hex.match(/../g)!;
  const b0 = (parseInt(pairs[0]!, 16) ^ 2).toString(16).padStart(2, '0');
  // the IPv6 interface identifier SLAAC derives from it (EUI-64): fe80::5054:ff:fe12:3456
  const eui = `${b0}${pairs[1]}:${pairs[2]}ff:fe${pairs[3]}:${pairs[4]}${pairs[5]}`.replace(/(^|:)0+(?=[0-9a-f])/g, '$1');
  return [
    { cls: 's', text: pairs.join(':') },
    { cls: 'w', text: hex },
    { cls: 's', text: `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}` },
    { cls: 's', text: eui },
  ];
}

/** SSH public key line → the blob, its SHA256 fingerprint (base64, unpadded) and MD5 (hex pairs). */
function sshPublicForms(line: string): { type: string; forms: { cls: TokenClass; text: string }[] } | undefined {
  const m = /^(\S+)\s+([A-Za-z0-9+/]+={0,2})(\s|$)/.exec(line.trim());
  if (!m) return undefined;
  const blob = Buffer.from(m[2]!, 'base64');
  if (blob.length < 32) return undefined;
  const sha = createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
  const md5 = createHash('md5').update(blob).digest('hex');
  return {
    type: m[1]!.replace(/^ssh-|^ecdsa-sha2-/, ''),
    forms: [
      { cls: 'b', text: m[2]! },
      { cls: 'b', text: sha },
      { cls: 's', text: md5.match(/../g)!.join(':') },
      // as ssh-keygen -l -E md5 and sshd's log write it
      { cls: 's', text: `md5:${md5.match(/../g)!.join(':')}` },
      { cls: 'w', text: md5 },
    ],
  };
}

/** The body lines of a PEM or OpenSSH private key, but those every key of its kind shares (the header line of an OpenSSH key). */
function privateKeyLines(text: string): string[] {
  const out: string[] = [];
  for (const block of text.matchAll(/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY|CERTIFICATE)-----\r?\n([\s\S]*?)-----END \1-----/g)) {
    const lines = block[2]!.split(/\r?\n/).filter((l) => /^[A-Za-z0-9+/]{20,}={0,2}$/.test(l));
    // an OpenSSH key's first line is its magic and cipher names, the same in every unencrypted key
    out.push(...(block[1] === 'OPENSSH PRIVATE KEY' ? lines.slice(1) : lines));
  }
  return out;
}

/** A regular file's text (never a FIFO's or a device's: reading one could block the seal), or undefined. */
function readFile(fs: RootFs, p: string): string | undefined {
  return fs.isFile(p) ? fs.readText(p) : undefined;
}

function readLines(fs: RootFs, p: string): string[] {
  return readFile(fs, p)?.split('\n') ?? [];
}

/** Take the fingerprints of the machine whose root `fs` is. */
export function recordFingerprints(fs: RootFs): FingerprintRecord {
  const r = new Recorder(randomBytes(16).toString('hex'));
  const ownership = packageOwnership(fs);
  const owned = (p: string) => ownership.owned.has(p);

  // the machine id, and D-Bus's copy
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    const id = readFile(fs, p)?.trim().toLowerCase();
    if (!id || !/^[0-9a-f]{32}$/.test(id)) continue;
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    r.add('machine-id', p, [{ cls: 'w', text: id }, { cls: 's', text: uuid }, { cls: 'b', text: Buffer.from(id, 'hex').toString('base64') }], { provider: 'machine-id' });
  }

  // the host name, the FQDN and names /etc/hosts gives this machine (127.0.1.1, Debian's convention)
  const names = new Set<string>();
  const hostname = readLines(fs, '/etc/hostname').map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  if (hostname) names.add(hostname);
  for (const line of readLines(fs, '/etc/hosts')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f[0] === '127.0.1.1' || (hostname && f.slice(1).includes(hostname))) f.slice(1).forEach((n) => names.add(n));
  }
  const mailname = readFile(fs, '/etc/mailname')?.trim();
  if (mailname && hostname && mailname.startsWith(`${hostname}.`)) names.add(mailname);
  for (const name of names) {
    r.add('host-name', name === hostname ? '/etc/hostname' : '/etc/hosts', [...wordForms(name), ...name.split('.').slice(0, 1).flatMap(wordForms)], { provider: 'hostname', common: true });
  }

  // MAC addresses and the machine's own addresses, where Linux keeps them
  const netFiles = [
    ...fs.glob('/etc/udev/rules.d/*.rules'), ...fs.glob('/etc/netplan/*.yaml'), ...fs.glob('/etc/NetworkManager/system-connections/*'),
    ...fs.glob('/etc/sysconfig/network-scripts/ifcfg-*'), ...fs.glob('/etc/systemd/network/*'), '/etc/network/interfaces',
    ...fs.glob('/etc/network/interfaces.d/*'), ...fs.glob('/var/lib/dhcp/*'), ...fs.glob('/var/lib/dhclient/*'),
    ...fs.glob('/var/lib/NetworkManager/*.lease'), ...fs.glob('/var/lib/systemd/netif/leases/*'), ...fs.glob('/var/lib/dhcpcd/*'),
    ...fs.glob('/sys/class/net/*/address'),
  ];
  for (const p of netFiles) {
    if (!fs.isFile(p)) continue;
    const text = readFile(fs, p) ?? '';
    for (const m of text.matchAll(MAC_RE)) {
      const mac = m[0].toLowerCase().replace(/-/g, ':');
      if (/^(00:){5}00$|^(ff:){5}ff$/.test(mac)) continue;
      r.add('mac', p, macForms(mac), { provider: 'net-hwaddr' });
    }
    // a lease's own address (the client's), never the server's or the router's
    for (const m of text.matchAll(/^\s*(?:fixed-address|ADDRESS=|ip_address=|yiaddr=)\s*(\d{1,3}(?:\.\d{1,3}){3})/gm)) {
      if (m[1]!.startsWith('127.') || m[1]!.startsWith('0.')) continue;
      r.add('ip-address', p, [{ cls: 's', text: m[1]! }, { cls: 's', text: m[1]!.replace(/\./g, '-') }], { provider: 'dhcp-client-state', common: true });
    }
    // DHCP client ids and DUIDs: dhclient's octal-escaped default-duid, dhcpcd's hex pairs, networkd's CLIENTID=
    for (const m of text.matchAll(/default-duid\s+"((?:\\[0-7]{3}|[^"\\])+)"/g)) {
      const bytes = Buffer.from(m[1]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1');
      if (bytes.length >= 8) r.add('duid', p, [{ cls: 's', text: bytes.toString('hex').match(/../g)!.join(':') }, { cls: 'w', text: bytes.toString('hex') }], { provider: 'dhcp-client-state' });
    }
    for (const m of text.matchAll(/^(?:CLIENTID=|client-id\s+|duid\s*)([0-9a-f]{2}(?::[0-9a-f]{2}){7,})/gim)) {
      r.add('duid', p, [{ cls: 's', text: m[1]! }, { cls: 'w', text: m[1]!.replace(/:/g, '') }], { provider: 'dhcp-client-state' });
    }
  }
  const duid = readFile(fs, '/var/lib/dhcpcd/duid')?.trim();
  if (duid && /^[0-9a-f]{2}(:[0-9a-f]{2}){7,}$/i.test(duid)) r.add('duid', '/var/lib/dhcpcd/duid', [{ cls: 's', text: duid }, { cls: 'w', text: duid.replace(/:/g, '') }], { provider: 'dhcp-client-state' });

  // SSH host keys: public halves in every form, private halves by their lines
  for (const pub of fs.glob('/etc/ssh/ssh_host_*_key.pub')) {
    const forms = sshPublicForms(readFile(fs, pub) ?? '');
    if (forms) r.add(`ssh-host-key:${forms.type}`, pub, forms.forms, { provider: 'ssh-hostkeys' });
    const priv = pub.replace(/\.pub$/, '');
    const lines = privateKeyLines(readFile(fs, priv) ?? '');
    if (lines.length) r.add(`ssh-host-key:${forms?.type ?? 'private'}`, priv, lines.map((text) => ({ cls: 'b' as const, text })), { provider: 'ssh-hostkeys' });
  }

  // other private keys and certificates made on this machine (no package ships them), under /etc and /var/lib
  for (const dir of ['/etc', '/var/lib']) {
    fs.walk(dir, (p, st) => {
      if (st.isDirectory()) return !p.startsWith(PATHS.stateDir) && p !== '/var/lib/dpkg' && p !== '/var/lib/apt';
      if (!st.isFile() || st.size > 256 * 1024 || p.startsWith('/etc/ssh/ssh_host_') || owned(p)) return;
      const head = fs.readBytes(p)?.subarray(0, 256 * 1024);
      if (!head || head.indexOf('-----BEGIN ') < 0) return;
      const text = head.toString('latin1');
      if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
        const lines = privateKeyLines(text.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, ''));
        if (lines.length) r.add('private-key', p, lines.map((l) => ({ cls: 'b' as const, text: l })));
        return;
      }
      // a certificate made here (ssl-cert's snakeoil, a service's own): one, and no CA (a bundle of CAs
      // is the same on every machine with the same packages)
      const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
      if (certs.length !== 1) return;
      try {
        if (new X509Certificate(certs[0]!).ca) return;
      } catch {
        return;
      }
      r.add('certificate', p, privateKeyLines(certs[0]!).map((l) => ({ cls: 'b' as const, text: l })));
    });
  }

  // random seeds and secrets systemd, the kernel and NetworkManager keep (binary: found again as whole copies)
  for (const [p, provider] of [
    ['/var/lib/systemd/random-seed', 'random-seed'], ['/var/lib/urandom/random-seed', 'random-seed'],
    ['/var/lib/systemd/credential.secret', 'credential-secret'], ['/var/lib/NetworkManager/secret_key', 'networkmanager'],
  ] as const) {
    const b = fs.isFile(p) ? fs.readBytes(p) : undefined;
    if (b) r.addFile('random-seed', p, b, provider);
  }

  // what each provider says identifies the machine
  for (const provider of allProviders(fs)) {
    for (const pattern of provider.identity ?? []) {
      for (const p of pattern.includes('*') ? fs.glob(pattern, { dot: true }) : [pattern]) {
        if (!fs.isFile(p)) continue;
        const b = fs.readBytes(p);
        if (!b || b.length > 1024 * 1024) continue;
        if (b.subarray(0, 8192).includes(0)) {
          r.addFile('identity-file', p, b, provider.id);
          continue;
        }
        // the ids in it: tokens that look drawn at random (a UUID, a key, a long random hex run), not
        // the words and numbers beside them in the file ("hmac-sha256", "65535", an address: a leased
        // one is recorded from the lease itself, a router's or a server's is no identity)
        const ids = tokensOf(b, 8).filter((t) => /\d/.test(t.text) && !/^\d{1,3}(_\d{1,3}){3}$/.test(t.text) &&
          (t.cls !== 'b' || /[+/=]/.test(t.text) || t.text.length >= 16) && machineUnique(t.text));
        r.add('identity-file', p, ids.map((t) => ({ cls: t.cls, text: t.text })), { provider: provider.id });
        if (b.length >= 16) r.addFile('identity-file', p, b, provider.id);
      }
    }
  }

  return { format: FINGERPRINTS_FORMAT, version: FINGERPRINTS_VERSION, recordedAt: new Date().toISOString(), salt: r.salt, fingerprints: r.fingerprints };
}

/** Write the record, root's alone (0600). */
export function writeFingerprints(fs: RootFs, record: FingerprintRecord): void {
  fs.makeDirectory('/var/lib/sysprep', 0o755);
  fs.writeText(PATHS.fingerprints, `${JSON.stringify(record, null, 1)}\n`, { mode: 0o600, detail: `${record.fingerprints.length} fingerprints` });
}

/** Read a record, or say plainly why it is not one of ours. */
export function parseFingerprints(text: string, file: string): FingerprintRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not a sysprep fingerprint record (not JSON: ${(err as Error).message})`);
  }
  const d = data as Partial<FingerprintRecord>;
  if (!d || typeof d !== 'object' || d.format !== FINGERPRINTS_FORMAT) throw new Error(`${file}: not a sysprep fingerprint record (no "format": "${FINGERPRINTS_FORMAT}")`);
  if (d.version !== FINGERPRINTS_VERSION) throw new Error(`${file}: fingerprint record version ${String(d.version)}; this sysprep reads version ${FINGERPRINTS_VERSION}`);
  if (typeof d.salt !== 'string' || !Array.isArray(d.fingerprints)) throw new Error(`${file}: a fingerprint record without "salt" or "fingerprints"`);
  for (const [i, f] of d.fingerprints.entries()) {
    const ok = f && typeof f.what === 'string' && typeof f.from === 'string' && Array.isArray(f.forms) &&
      f.forms.every((x) => x && ['w', 's', 'b'].includes(x.cls) && Number.isInteger(x.len) && Number.isInteger(x.key) && /^[0-9a-f]{64}$/.test(x.digest)) &&
      (f.file === undefined || (Number.isInteger(f.file.size) && /^[0-9a-f]{64}$/.test(f.file.sha256)));
    if (!ok) throw new Error(`${file}: fingerprint ${i + 1} is malformed`);
  }
  return d as FingerprintRecord;
}
