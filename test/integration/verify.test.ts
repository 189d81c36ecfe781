/**
 * `sysprep verify` (SPEC 9) on real debootstrap roots: the used root before the seal (every planted
 * trace of the golden machine found, each with its rule), after a default seal (clean, and the seal
 * says so), a fresh root (clean), `--verify fail` and the allow-list, and the scan's manners: it never
 * follows a link out, never opens a FIFO or a device, never changes a byte, and says what it could not
 * read.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { GOLDEN_HOSTNAME, GOLDEN_MAC, GOLDEN_MACHINE_ID } from '../fixtures/lived-in.js';
import { CACHE_DIR, debootstrapRoot } from '../fixtures/roots.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { sysprep } from '../harness/sysprep.js';
import { diff, snapshot } from '../harness/tree.js';

const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');

interface F { kind: string; path: string; rule: string; severity: string; message: string; place: { line?: number; offset?: number; name?: boolean; inside?: string }; fix?: string }

function has(findings: F[], p: string, rule: string | RegExp): F | undefined {
  return findings.find((f) => f.path === p && (typeof rule === 'string' ? f.rule === rule : rule.test(f.rule)));
}

/** sha256 of every regular file's content and every link's target, by path */
function contentDigest(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(path.join(root, dir)).sort()) {
      const p = `${dir}/${name}`;
      const host = path.join(root, p);
      const st = fs.lstatSync(host);
      h.update(`${p}\0${st.mode}\0${st.size}\0`);
      if (st.isDirectory()) walk(p);
      else if (st.isSymbolicLink()) h.update(fs.readlinkSync(host));
      else if (st.isFile() && st.blocks > 0 && st.size < 64 * 1024 * 1024) h.update(fs.readFileSync(host));
    }
  };
  walk('');
  return h.digest('hex');
}

describe('sysprep verify on real roots', { concurrency: false }, () => {
  test('a used root before the seal: its fingerprints are digests; every planted trace of the golden machine is found, with its rule', () => {
    const view = overlayRoot(usedRoot('bookworm'), 'verify-used');
    try {
      const rec = sysprep(['verify', '--record', '--root', view.root, '--json']);
      assert.equal(rec.status, 0, rec.stderr);
      const file = path.join(view.root, 'var/lib/sysprep/fingerprints.json');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the record is root\'s alone');
      const text = fs.readFileSync(file, 'utf8');
      for (const literal of [GOLDEN_MACHINE_ID, GOLDEN_MAC, GOLDEN_MAC.replace(/:/g, ''), `"${GOLDEN_HOSTNAME}"`, '10.0.0.20']) {
        assert.ok(!text.toLowerCase().includes(literal.toLowerCase()), `the record holds no ${literal}`);
      }
      const kinds = rec.json.kinds as Record<string, number>;
      for (const k of ['machine-id', 'host-name', 'mac', 'ip-address', 'ssh-host-key', 'random-seed']) assert.ok(kinds[k]! > 0, `recorded ${k}: ${JSON.stringify(kinds)}`);

      // a password given on a command line, as people do (the fixture's `mysql -p secret` names a database)
      fs.appendFileSync(path.join(view.root, 'home/alice/.bash_history'), 'mysql -u app -pHunter2Pw appdb\n');
      const r = sysprep(['verify', '--root', view.root, '--json']);
      assert.equal(r.status, 1, r.stderr);
      const findings = r.json.findings as F[];
      assert.equal(has(findings, '/home/alice/.bash_history', 'linux/shell-history-credential')?.place.line, 3);
      const journal = `/var/log/journal/${GOLDEN_MACHINE_ID}/system.journal`;
      const expected: [string, string | RegExp][] = [
        ['/etc/machine-id', 'machine-id'], ['/var/lib/dbus/machine-id', 'machine-id'], [journal, 'machine-id'],
        ['/etc/hostname', 'host-name'], ['/etc/hosts', 'host-name'], ['/var/log/syslog', 'host-name'], ['/var/mail/alice', 'host-name'],
        ['/etc/netplan/50-cloud-init.yaml', 'mac'], ['/etc/NetworkManager/system-connections/Wired.nmconnection', 'mac'],
        ['/etc/udev/rules.d/70-persistent-net.rules', 'mac'], ['/etc/sysconfig/network-scripts/ifcfg-eth0', 'mac'],
        ['/var/lib/dhcp/dhclient.eth0.leases', 'ip-address'], ['/var/lib/systemd/netif/leases/2', 'ip-address'],
        ['/var/lib/systemd/random-seed', 'random-seed'], ['/var/lib/systemd/credential.secret', 'random-seed'],
        ['/etc/ssh/ssh_host_ed25519_key.pub', /^ssh-host-key:/], ['/etc/ssh/ssh_host_ed25519_key', /^ssh-host-key:/],
        ['/etc/shadow', 'linux/shadow-password'],
      ];
      for (const [p, rule] of expected) assert.ok(has(findings, p, rule), `${p}: ${rule} found\n${findings.filter((f) => f.path === p).map((f) => f.rule).join(', ')}`);
      // the journal's directory is named after the machine id
      assert.ok(findings.some((f) => f.path === journal && f.place.name), 'a path named after the machine id');
      // the upper-case MAC of the NetworkManager profile is the same MAC
      assert.match(read(view.root, '/etc/NetworkManager/system-connections/Wired.nmconnection'), new RegExp(GOLDEN_MAC.toUpperCase()));
      // places: a line in text files
      assert.equal(has(findings, '/etc/hosts', 'host-name')!.place.line, 2);
      for (const f of findings) {
        assert.ok(['high', 'medium', 'low'].includes(f.severity), `${f.path}: a severity`);
        assert.ok(!f.message.toLowerCase().includes(GOLDEN_MACHINE_ID) && !f.message.toLowerCase().includes(GOLDEN_MAC), `${f.path}: the message names no value: ${f.message}`);
      }
      // each finding says which provider removes it, where one does
      assert.match(has(findings, '/etc/machine-id', 'machine-id')!.fix ?? '', /provider machine-id \(on by default\)/);
      assert.match(has(findings, '/var/log/syslog', 'host-name')!.fix ?? '', /provider \S+ \(on by default\)/);
      // user data is no finding: a user's document that happens to hold nothing of the machine
      assert.ok(!findings.some((f) => f.path.startsWith('/home/alice/Documents/')));
    } finally {
      view.dispose();
    }
  });

  test('after a default seal the used root is clean, and the seal says so (Panther, --json, summary)', () => {
    const view = overlayRoot(usedRoot('bookworm'), 'verify-sealed');
    try {
      const r = sysprep(['--root', view.root, '/generalize', '/oobe', '--verify', 'warn', '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.json.verify.findings.map((f: F) => `${f.path} ${f.rule}`), [], 'no findings after a default seal');
      assert.equal(r.json.verify.verdict, 'verified: clean');
      assert.ok(r.json.verify.fingerprints > 10, 'the golden machine\'s fingerprints were recorded before the seal');
      assert.match(read(view.root, '/var/lib/sysprep/panther/setupact.log'), /verify: recorded \d+ fingerprints[\s\S]*verified: clean \(\d+ files/);
      // the human summary
      const again = sysprep(['--root', view.root, '/generalize', '/oobe', '--verify', 'warn']);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /^verified: clean$/m);
      // and verify on its own agrees
      const v = sysprep(['verify', '--root', view.root]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /^verified: clean \(\d+ files, \d+ MiB, \d+ fingerprints, in [\d.]+ s\)$/m);
    } finally {
      view.dispose();
    }
  });

  test('a fresh debootstrap root: no false finding (only its own machine id and SSH host keys, which every clone would share); clean once sealed', () => {
    const view = overlayRoot(debootstrapRoot('bookworm'), 'verify-fresh');
    try {
      const r = sysprep(['verify', '--root', view.root, '--json']);
      assert.ok(r.json, r.stderr);
      assert.equal(r.json.fingerprints, null);
      assert.ok(r.json.notes.some((n: { message: string }) => /no fingerprints of the original machine were recorded/.test(n.message)));
      // debootstrap ran systemd's and openssh-server's maintainer scripts: this root has an identity of its own
      const identity = (p: string) => p === '/etc/machine-id' || p === '/var/lib/dbus/machine-id' || /^\/etc\/ssh\/ssh_host_[a-z0-9]+_key(\.pub)?$/.test(p);
      const own = ['/etc/machine-id', '/var/lib/dbus/machine-id', ...fs.readdirSync(path.join(view.root, 'etc/ssh')).filter((n) => /^ssh_host_/.test(n)).map((n) => `/etc/ssh/${n}`)];
      assert.deepEqual((r.json.findings as F[]).filter((f) => !identity(f.path)).map((f) => `${f.path} ${f.rule} ${f.message}`), [], 'nothing but the root\'s own identity');
      for (const p of own) assert.ok((r.json.findings as F[]).some((f) => f.path === p), `${p} is found`);
      assert.equal(r.status, 1);
      const sealed = sysprep(['--root', view.root, '/generalize', '/oobe', '--verify', 'warn', '--json']);
      assert.equal(sealed.status, 0, sealed.stderr);
      assert.deepEqual(sealed.json.verify.findings.map((f: F) => `${f.path} ${f.rule}`), []);
      assert.equal(sealed.json.verify.verdict, 'verified: clean');
    } finally {
      view.dispose();
    }
  });

  test('--verify fail: a copy of the machine id left in user data fails the seal (UNDEPLOYABLE); the allow-list lets it through', () => {
    const view = overlayRoot(usedRoot('bookworm'), 'verify-fail');
    try {
      fs.writeFileSync(path.join(view.root, 'opt/app/inventory.txt'), `host ${GOLDEN_HOSTNAME}-db\nid ${GOLDEN_MACHINE_ID.toUpperCase()}\nmac ${GOLDEN_MAC.replace(/:/g, '-')}\n`);
      const r = sysprep(['--root', view.root, '/generalize', '/oobe', '--verify', 'fail', '--json']);
      assert.equal(r.status, 1, r.stdout);
      assert.equal(r.json.stateAfter, 'IMAGE_STATE_UNDEPLOYABLE');
      assert.match(read(view.root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_UNDEPLOYABLE/);
      assert.equal(fs.existsSync(path.join(view.root, 'var/lib/sysprep/sysprep_succeeded.tag')), false);
      const found = (r.json.verify.findings as F[]).filter((f) => f.path === '/opt/app/inventory.txt').map((f) => `${f.rule}:${f.place.line}`).sort();
      assert.deepEqual(found, ['mac:3', 'machine-id:2'], 'the upper-case id and the dashed MAC, by line');
      assert.match(read(view.root, '/var/lib/sysprep/panther/setuperr.log'), /verify: \/opt\/app\/inventory\.txt:2: high: \[machine-id\]/);
      assert.ok(fs.existsSync(path.join(view.root, 'opt/app/inventory.txt')), 'verify removes nothing');

      fs.mkdirSync(path.join(view.root, 'etc/sysprep'), { recursive: true });
      fs.writeFileSync(path.join(view.root, 'etc/sysprep/verify-allow'), '# inventory kept on purpose\n/opt/app/inventory.txt\n');
      const ok = sysprep(['--root', view.root, '/generalize', '/oobe', '--verify', 'fail', '--json']);
      assert.equal(ok.status, 0, JSON.stringify(ok.json?.errors));
      assert.equal(ok.json.verify.verdict, 'verified: clean, 2 allowed');
      assert.equal(ok.json.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');

      fs.writeFileSync(path.join(view.root, 'etc/sysprep/verify-allow'), 'a b c\n');
      const bad = sysprep(['verify', '--root', view.root]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /\/etc\/sysprep\/verify-allow, line 1: "a b c": an entry is RULE PATH or PATH/);
    } finally {
      view.dispose();
    }
  });

  test('the scan never follows a link out, never opens a FIFO or a device, never changes a byte, and says what it could not read', () => {
    const view = overlayRoot(usedRoot('bookworm'), 'verify-manners');
    const outside = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'verify-outside-'));
    const unreadable = path.join(view.root, 'var/lib/app-state');
    try {
      const root = view.root;
      expect0(sysprep(['verify', '--record', '--root', root]));
      // a file outside the root holding the golden machine id, and links to it
      fs.writeFileSync(path.join(outside, 'leak.txt'), `${GOLDEN_MACHINE_ID}\n`);
      fs.symlinkSync(path.join(outside, 'leak.txt'), path.join(root, 'opt/absolute-link'));
      fs.symlinkSync(`../../../../../../../../..${outside}`, path.join(root, 'opt/relative-dir-link'));
      fs.symlinkSync('loop-b', path.join(root, 'opt/loop-a'));
      fs.symlinkSync('loop-a', path.join(root, 'opt/loop-b'));
      execFileSync('mkfifo', [path.join(root, 'opt/fifo')]);
      execFileSync('mknod', [path.join(root, 'opt/zero-device'), 'c', '1', '5']);
      // 10 GiB of holes, and 3 GiB of holes with the machine id after them
      execFileSync('truncate', ['-s', '10G', path.join(root, 'opt/sparse-empty.img')]);
      const fd = fs.openSync(path.join(root, 'opt/sparse-data.img'), 'w');
      fs.writeSync(fd, `id=${GOLDEN_MACHINE_ID}\n`, 3 * 1024 ** 3);
      fs.closeSync(fd);
      // a damaged gzip stream (right magic, nothing after it that inflates)
      fs.writeFileSync(path.join(root, 'var/log/damaged.log.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('not deflate at all')]));
      // a file its owner cannot read, scanned by a root without the capabilities that pass over file
      // modes (a kernel file bound over it would be a kernel file system, which the walk skips)
      fs.writeFileSync(unreadable, `${GOLDEN_MACHINE_ID}\n`, { mode: 0o000 });

      const before = snapshot(root);
      const digest = contentDigest(root);
      const started = performance.now();
      const r = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', 'bin/sysprep', 'verify', '--root', root, '--json'], { encoding: 'utf8', timeout: 300_000 });
      const seconds = (performance.now() - started) / 1000;
      assert.equal(r.status, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      const findings = report.findings as F[];
      assert.ok(!findings.some((f) => f.path.startsWith('/opt/absolute-link') || f.path.startsWith('/opt/relative-dir-link') || f.path.includes('loop')), 'links are not followed');
      const sparse = has(findings, '/opt/sparse-data.img', 'machine-id');
      assert.equal(sparse?.place.offset, 3 * 1024 ** 3 + 3, 'found after 3 GiB of holes, at its offset');
      const notes = report.notes as { path: string; message: string; unscanned?: boolean }[];
      assert.ok(notes.some((n) => n.path === '/opt/sparse-empty.img' && /sparse, 10737418240 bytes and no data/.test(n.message)), JSON.stringify(notes));
      assert.ok(notes.some((n) => n.path === '/var/log/damaged.log.gz' && /gzip stream is damaged/.test(n.message)));
      // what this root could not read is named, each with why: the planted file and the used root's
      // private user data (alice's and bob's homes, alice's mail and crontab)
      const unscanned = notes.filter((n) => n.unscanned);
      assert.deepEqual(unscanned.map((n) => `${n.path}: ${n.message}`).sort(), [
        '/home/alice: directory could not be listed: EACCES',
        '/srv/home/bob: directory could not be listed: EACCES',
        '/var/lib/app-state: could not be read: EACCES',
        '/var/mail/alice: could not be read: EACCES',
        '/var/spool/cron/crontabs/alice: could not be read: EACCES',
      ]);
      assert.ok(!findings.some((f) => f.path === '/var/lib/app-state'), 'a file not read has no finding');
      assert.ok(!notes.some((n) => /fifo|zero-device/.test(n.path)), 'FIFOs and devices are no files to read');
      assert.equal(report.unscanned, 5);
      assert.match(report.verdict, /^verified: \d+ findings, 5 files not scanned$/);
      assert.ok(seconds < 240, `the scan took ${seconds} s`);
      // not a byte changed, nor a time stamp
      assert.deepEqual(diff(before, snapshot(root)), { added: [], removed: [], changed: [] });
      assert.equal(contentDigest(root), digest);

      // bad input
      const notOurs = sysprep(['verify', '--root', root, '--fingerprints', '/etc/passwd']);
      assert.equal(notOurs.status, 2);
      assert.match(notOurs.stderr, /\/etc\/passwd: not a sysprep fingerprint record/);
      const notRoot = sysprep(['verify', '--root', outside]);
      assert.equal(notRoot.status, 3);
      assert.match(notRoot.stderr, /is not an OS root/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
      view.dispose();
    }
  });
});

function expect0(r: { status: number; stderr: string; stdout: string }) {
  assert.equal(r.status, 0, r.stdout + r.stderr);
}
