/**
 * Real packages that make machine identity when they are installed or first started (issue 11, SPEC 9
 * c; issue 12): apt installed them in a chroot of a debootstrap root, which then booted once
 * (test/fixtures/package-roots.ts, which records what each step created outside the dpkg lists). Before sysprep handles any of it, the scan
 * for unowned identity files finds each package's key or id with its rule, and nothing else but the
 * identity debootstrap itself made. The scan runs on an overlay view and writes nothing to it. The files
 * the packages ship are compared with dpkg's checksums too: every one that changed is known.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { RootFs } from '../../src/rootfs/rootfs.js';
import type { Finding } from '../../src/verify/types.js';
import { unownedIdentityFiles } from '../../src/verify/unowned.js';
import { attributeFixes } from '../../src/verify/verify.js';
import { spawnSync } from 'node:child_process';
import { GOLDEN_HOSTNAME, identityPackagesRecord, identityPackagesRoot, PackageRootRecord } from '../fixtures/package-roots.js';
import { debootstrapRoot } from '../fixtures/roots.js';
import { overlayRoot, Scratch } from '../fixtures/used-root.js';
import { sysprep } from '../harness/sysprep.js';

let cached: string;
let record: PackageRootRecord;
let view: Scratch;
let findings: Finding[];
let scanMs: number;

before(() => {
  cached = identityPackagesRoot('bookworm');
  record = identityPackagesRecord(cached);
  view = overlayRoot(cached, 'verify-packages');
  const started = Date.now();
  findings = unownedIdentityFiles(new RootFs(view.root));
  scanMs = Date.now() - started;
});
after(() => view?.dispose());

const read = (p: string) => fs.readFileSync(path.join(view.root, p), 'utf8');
/** 1-based line of the first line matching re in a file of the view */
const lineOf = (p: string, re: RegExp) => read(p).split('\n').findIndex((l) => re.test(l)) + 1;
const findingAt = (p: string) => findings.find((f) => f.path === p);
const created = (step: string) => {
  const s = record.steps.find((x) => x.name === step);
  assert.ok(s, `the build recorded the step ${step}`);
  return s.createdUnowned;
};

interface Expect {
  /** the build step that created the file (not in any dpkg list) */
  step: string;
  path: string;
  rule: 'unowned/key' | 'unowned/id';
  severity: 'high' | 'medium';
  /** the line the finding points at, for line-based rules */
  line?: () => number;
}

/** What each package is known to make, and the finding each must give. */
function expected(): Expect[] {
  const out: Expect[] = [
    { step: 'ssl-cert', path: '/etc/ssl/private/ssl-cert-snakeoil.key', rule: 'unowned/key', severity: 'high', line: () => lineOf('/etc/ssl/private/ssl-cert-snakeoil.key', /^-----BEGIN .*PRIVATE KEY-----$/) },
    { step: 'ssl-cert', path: '/etc/ssl/certs/ssl-cert-snakeoil.pem', rule: 'unowned/key', severity: 'medium', line: () => 1 },
    { step: 'open-iscsi', path: '/etc/iscsi/initiatorname.iscsi', rule: 'unowned/id', severity: 'medium', line: () => lineOf('/etc/iscsi/initiatorname.iscsi', /^InitiatorName=iqn\./) },
    { step: 'nvme-cli', path: '/etc/nvme/hostid', rule: 'unowned/id', severity: 'medium', line: () => 1 },
    // the engine id is made at the first start, not by the postinst: the build boots the machine once
    { step: 'first start', path: '/var/lib/snmp/snmpd.conf', rule: 'unowned/id', severity: 'medium', line: () => lineOf('/var/lib/snmp/snmpd.conf', /^oldEngineID 0x/) },
    { step: 'munge', path: '/etc/munge/munge.key', rule: 'unowned/key', severity: 'high' },
    { step: 'first start', path: '/var/lib/munge/munged.seed', rule: 'unowned/key', severity: 'high' },
    { step: 'bind9', path: '/etc/bind/rndc.key', rule: 'unowned/key', severity: 'high', line: () => lineOf('/etc/bind/rndc.key', /^\s*secret "/) },
    { step: 'postgresql', path: '/var/lib/postgresql/15/main/global/pg_control', rule: 'unowned/id', severity: 'medium' },
    { step: 'configuration', path: '/etc/yggdrasil/yggdrasil.conf', rule: 'unowned/key', severity: 'high', line: () => lineOf('/etc/yggdrasil/yggdrasil.conf', /^\s*PrivateKey:/) },
    { step: 'first start', path: '/etc/openvswitch/system-id.conf', rule: 'unowned/id', severity: 'medium', line: () => 1 },
    { step: 'rabbitmq-server', path: '/var/lib/rabbitmq/.erlang.cookie', rule: 'unowned/key', severity: 'high', line: () => 1 },
    { step: 'first start', path: '/var/lib/netdata/netdata.api.key', rule: 'unowned/key', severity: 'high', line: () => 1 },
    { step: 'first start', path: '/var/lib/netdata/registry/netdata.public.unique.id', rule: 'unowned/id', severity: 'medium', line: () => 1 },
    { step: 'first start', path: '/var/lib/systemd/random-seed', rule: 'unowned/key', severity: 'high' },
  ];
  // dropbear's postinst makes one host key per type it supports (from OpenSSH's keys, when present)
  for (const p of created('dropbear').filter((x) => /^\/etc\/dropbear\/dropbear_\w+_host_key$/.test(x))) {
    out.push({ step: 'dropbear', path: p, rule: 'unowned/key', severity: 'high' });
  }
  // i2pd's router identity and transport keys, at its first start; its client tunnels' destination keys (irc-keys.dat …)
  // only once the router is up far enough to start them, which the golden boot's 30 s do not always
  // give it under emulation: those the build recorded
  for (const name of ['router.keys', 'ntcp2.keys', 'ssu2.keys']) out.push({ step: 'first start', path: `/var/lib/i2pd/${name}`, rule: 'unowned/key', severity: 'high' });
  for (const p of created('first start').filter((x) => /^\/var\/lib\/i2pd\/[\w-]+-keys\.dat$/.test(x))) {
    out.push({ step: 'first start', path: p, rule: 'unowned/key', severity: 'high' });
  }
  return out;
}

/** The identity debootstrap's run of the base packages' postinsts made (see unowned.test.ts). */
function debootstrapIdentity(): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(view.root, 'etc/ssh'))) {
    if (/^ssh_host_\w+_key$/.test(name)) out.push(`/etc/ssh/${name} unowned/key high`);
    if (/^ssh_host_\w+_key\.pub$/.test(name)) out.push(`/etc/ssh/${name} unowned/key medium`);
  }
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    if (/^[0-9a-f]{32}\n?$/.test(read(p))) out.push(`${p} unowned/id medium`);
  }
  return out.sort();
}

test('the build recorded each package\'s identity as created outside the dpkg lists', (t) => {
  for (const s of record.steps) {
    t.diagnostic(`${s.name} (${s.seconds} s; ${s.installed.length} packages): created unowned ${s.createdUnowned.join(' ') || 'nothing'}; changed unowned ${s.changedUnowned.join(' ') || 'nothing'}`);
  }
  for (const e of expected()) assert.ok(created(e.step).includes(e.path), `${e.step} created ${e.path}, which no package lists`);
  assert.ok(created('dropbear').some((p) => p.startsWith('/etc/dropbear/')), 'dropbear made host keys');
});

/**
 * Files a package ships that are no longer as it shipped them, by dpkg's own checksums (`dpkg --verify`,
 * the md5sums in its database): a maintainer script or a first start that wrote identity into a file the
 * package owns would show here, where the unowned scan cannot see it.
 */
function changedPackageFiles(root: string): Map<string, string> {
  const r = spawnSync('dpkg', [`--root=${root}`, '--verify'], { encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.ok(r.status === 0 || r.status === 1, `dpkg --verify: ${r.stderr}`);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    // "??5?????? c /etc/foo" (checksum differs) or "missing   c /etc/foo"
    const m = /^(\S+)\s+(c?)\s+(\/.*)$/.exec(line);
    if (m) out.set(m[3]!, `${m[1]}${m[2] ? ' conffile' : ''}`);
  }
  return out;
}

/**
 * Every package file the packages' scripts, the builder's configuration step or the first start
 * changed, and why it is not the machine's identity (or which provider handles it).
 */
const CHANGED_PACKAGE_FILES: Record<string, string> = {
  '/etc/default/dropbear': "the builder's configuration step (DROPBEAR_PORT=2222: OpenSSH keeps port 22); a setting, the same on every clone",
};

test('dpkg\'s checksums: every file a package shipped that changed since is known, and none holds the machine\'s identity', (t) => {
  const base = changedPackageFiles(debootstrapRoot('bookworm'));
  const changed = [...changedPackageFiles(cached)].filter(([p]) => !base.has(p));
  for (const [p, how] of changed) t.diagnostic(`${p}: ${how} — ${CHANGED_PACKAGE_FILES[p] ?? 'NOT EXPLAINED'}`);
  assert.deepEqual(changed.map(([p]) => p).sort(), Object.keys(CHANGED_PACKAGE_FILES).sort());
  // what changed holds neither the golden machine's id nor its name
  const machineId = fs.readFileSync(path.join(cached, 'etc/machine-id'), 'utf8').trim();
  for (const [p] of changed) {
    const text = fs.readFileSync(path.join(cached, p)).toString('latin1');
    assert.ok(!text.includes(machineId) && !text.includes(GOLDEN_HOSTNAME), `${p} holds the machine-id or the host name`);
  }
});

test('each package\'s key or id is found, with its rule, severity and place', (t) => {
  t.diagnostic(`scan of the packages root: ${findings.length} findings in ${scanMs} ms`);
  for (const e of expected()) {
    const f = findingAt(e.path);
    assert.ok(f, `${e.path} (${e.step}) is found; found: ${findings.map((x) => x.path).join(', ')}`);
    assert.equal(f.kind, 'unowned');
    assert.equal(f.rule, e.rule, e.path);
    assert.equal(f.severity, e.severity, e.path);
    if (e.line) assert.equal(f.place.line, e.line(), `${e.path}: the line of the key or id`);
    assert.match(f.message, /no package owns this file/);
    t.diagnostic(`${e.step}: ${f.path} ${f.rule} ${f.severity} ${JSON.stringify(f.place)} — ${f.message}`);
  }
});

test('the SSH host keys are found too, and nothing else is', () => {
  const want = [...expected().map((e) => `${e.path} ${e.rule} ${e.severity}`), ...debootstrapIdentity()].sort();
  assert.ok(want.some((w) => w.startsWith('/etc/ssh/ssh_host_')), 'openssh-server\'s host keys are in the root');
  assert.deepEqual(findings.map((f) => `${f.path} ${f.rule} ${f.severity}`).sort(), want);
});

test('the safety net and the providers agree: every file it flags is one a provider removes (the PostgreSQL cluster by an opt-in one)', async (t) => {
  const copy = findings.map((f) => ({ ...f }));
  await attributeFixes(view.root, copy);
  for (const f of copy) {
    t.diagnostic(`${f.path}: ${f.fix ?? 'no provider'}`);
    assert.ok(f.fix, `${f.path} (${f.rule}) is handled by a provider`);
    if (f.path.endsWith('/pg_control')) assert.equal(f.fix, 'provider postgresql-cluster (off by default: --providers defaults,postgresql-cluster)');
    else assert.match(f.fix, /\(on by default\)$/, f.path);
  }
  assert.deepEqual(fs.readdirSync(path.join(path.dirname(view.root), 'upper')), [], 'the dry runs wrote nothing');
});

test('no message holds the key or the id itself', () => {
  for (const f of findings) {
    for (const secret of [read('/etc/machine-id').trim(), /InitiatorName=(\S+)/.exec(read('/etc/iscsi/initiatorname.iscsi'))![1]!, /oldEngineID (\S+)/.exec(read('/var/lib/snmp/snmpd.conf'))![1]!, read('/etc/nvme/hostid').trim()]) {
      assert.ok(!f.message.includes(secret), `${f.path}: ${f.message}`);
    }
  }
});

test('the scan wrote nothing: the overlay\'s upper directory is still empty', () => {
  assert.deepEqual(fs.readdirSync(path.join(path.dirname(view.root), 'upper')), []);
});

test('sysprep verify on the packages root: each package\'s identity is found; once recorded, a copy of the snakeoil key and certificate elsewhere is found too', () => {
  const scratch = overlayRoot(cached, 'verify-packages-cli');
  try {
    const rec = sysprep(['verify', '--record', '--root', scratch.root, '--json']);
    assert.equal(rec.status, 0, rec.stderr);
    assert.ok(rec.json.kinds['private-key'] >= 1 && rec.json.kinds.certificate >= 1, JSON.stringify(rec.json.kinds));
    // a backup of the web server's key pair, somewhere no provider looks
    fs.mkdirSync(path.join(scratch.root, 'srv/backup'), { recursive: true });
    fs.copyFileSync(path.join(scratch.root, 'etc/ssl/private/ssl-cert-snakeoil.key'), path.join(scratch.root, 'srv/backup/web.key'));
    fs.copyFileSync(path.join(scratch.root, 'etc/ssl/certs/ssl-cert-snakeoil.pem'), path.join(scratch.root, 'srv/backup/web.pem'));
    const r = sysprep(['verify', '--root', scratch.root, '--json']);
    assert.equal(r.status, 1, r.stderr);
    const found = (r.json.findings as Finding[]).map((f) => `${f.path} ${f.rule}`);
    for (const e of expected()) assert.ok(found.includes(`${e.path} ${e.rule}`), `${e.path} ${e.rule} in ${found.join('\n')}`);
    for (const want of ['/srv/backup/web.key private-key', '/srv/backup/web.pem certificate', '/etc/ssl/private/ssl-cert-snakeoil.key secretlint/privatekey']) {
      assert.ok(found.includes(want), `${want} in\n${found.join('\n')}`);
    }
    // the CA bundle update-ca-certificates made is the same on every machine: no fingerprint of it, no finding
    assert.ok(!found.some((f) => f.startsWith('/etc/ssl/certs/ca-certificates.crt')), found.join('\n'));
  } finally {
    scratch.dispose();
  }
});
