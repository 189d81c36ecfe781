/**
 * `sysprep drivers add` / `drivers list` on an offline root (SPEC 11), one overlay of the cached driver
 * root (bookworm with the image kernel's headers, gcc, make, dkms) shared by the tests in order:
 * bad input first (nothing changed: full tree snapshots compared), then a real module, a firmware
 * file, Debian's firmware-linux-free and v4l2loopback-dkms (from the root's own archive and with
 * apt-get download), a DKMS source tree, and a package whose postinst fails (purged again, exit 1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { driverPathsAnswerFile, driverRoot, HELLO_DKMS_SOURCE, inChroot, type DriverRoot } from '../fixtures/driver-roots.js';
import { CACHE_DIR } from '../fixtures/roots.js';
import { overlayRoot, type Scratch } from '../fixtures/used-root.js';
import { debFile } from '../harness/debian-package.js';
import { sysprep } from '../harness/sysprep.js';
import { diff, snapshot } from '../harness/tree.js';

let dr: DriverRoot;
let view: Scratch;
let root: string;
let scratch: string;

before(() => {
  dr = driverRoot('bookworm');
  view = overlayRoot(dr.root, 'drivers');
  root = view.root;
  fs.mkdirSync(path.join(CACHE_DIR, 'work'), { recursive: true });
  scratch = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'drivers-in-'));
});

after(() => {
  view?.dispose();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

/** Everything in the root but the pseudo file systems, to compare before and after a refusal. */
const tree = () => snapshot(root);
const unchanged = (before: ReturnType<typeof snapshot>, what: string) => {
  const d = diff(before, tree(), (p) => /^\/(proc|sys|dev|run|tmp)(\/|$)/.test(p));
  assert.deepEqual(d, { removed: [], added: [], changed: [] }, `${what}: nothing may change`);
};

const dpkgStatus = (pkg: string) => spawnSync('chroot', [root, 'dpkg-query', '-W', '-f', '${Status}', pkg], { encoding: 'utf8' }).stdout;

test('bad input: a missing path, an .rpm on a Debian root, a module built for another kernel: exit 2, nothing changed', () => {
  const t0 = tree();
  const missing = sysprep(['drivers', 'add', '--root', root, dr.modules.hello, path.join(scratch, 'no-such-driver.ko')]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /no-such-driver\.ko: no such file or directory/);
  unchanged(t0, 'a missing path');

  const rpm = path.join(scratch, 'vendor-driver-1.0-1.x86_64.rpm');
  fs.writeFileSync(rpm, Buffer.concat([Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0]), Buffer.alloc(90)]));
  const r = sysprep(['drivers', 'add', '--root', root, rpm]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /is an RPM package, but the target is a Debian-family root \(dpkg\): give the \.deb build/);
  unchanged(t0, 'an .rpm');

  // the same module, its vermagic saying another kernel release of the same length
  const other = dr.kernel.replace(/^(\d+\.\d+\.\d+-)(\d+)/, (_m, a: string, n: string) => `${a}${String((Number(n) + 1) % 10 ** n.length).padStart(n.length, '0')}`);
  assert.notEqual(other, dr.kernel);
  const bytes = fs.readFileSync(dr.modules.hello);
  const marker = Buffer.from(`vermagic=${dr.kernel} `);
  const at = bytes.indexOf(marker);
  assert.ok(at > 0, 'the module carries its vermagic');
  Buffer.from(`vermagic=${other} `).copy(bytes, at);
  const foreign = path.join(scratch, 'sysprep_hello.ko');
  fs.writeFileSync(foreign, bytes);
  const k = sysprep(['drivers', 'add', '--root', root, '--json', foreign]);
  assert.equal(k.status, 2, k.stderr);
  assert.match(k.stderr, new RegExp(`module sysprep_hello was built for kernel ${other.replace(/\./g, '\\.')} .*the target's kernels are ${dr.kernel.replace(/\./g, '\\.')}.*nothing was installed`));
  assert.equal(k.json?.exitCode, 2);
  unchanged(t0, 'a module for another kernel');

  // a dry run reports the module's path and changes nothing
  const dry = sysprep(['drivers', 'add', '--root', root, '--dry-run', '--json', dr.modules.hello]);
  assert.equal(dry.status, 0, dry.stderr);
  assert.ok(dry.json.changed.some((c: { path: string }) => c.path.endsWith(`/modules/${dr.kernel}/updates/sysprep_hello.ko`)), JSON.stringify(dry.json.changed));
  unchanged(t0, 'a dry run');
});

test('a real module: to updates/ of its kernel, depmod, listed; without --load-at-boot the initramfs stays', () => {
  const initrd = path.join(root, `boot/initrd.img-${dr.kernel}`);
  const before = fs.statSync(initrd).mtimeMs;
  const r = sysprep(['drivers', 'add', '--root', root, '--json', dr.modules.helloDp]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.json.added.map((a: { kind: string; kernels: string[] }) => [a.kind, a.kernels]), [['module', [dr.kernel]]]);
  assert.deepEqual(r.json.initramfs, []);
  const paths = r.json.changed.map((c: { path: string }) => c.path);
  assert.ok(paths.includes(`/usr/lib/modules/${dr.kernel}/updates/sysprep_hello_dp.ko`), paths.join('\n'));
  assert.ok(paths.includes(`/usr/lib/modules/${dr.kernel}/modules.dep`), 'depmod rewrote modules.dep, and it is listed');
  assert.match(fs.readFileSync(path.join(root, `usr/lib/modules/${dr.kernel}/modules.dep`), 'utf8'), /^updates\/sysprep_hello_dp\.ko:/m);
  // modprobe in the root resolves it by name (depmod's index)
  const dep = spawnSync('chroot', [root, 'modprobe', '--show-depends', '-S', dr.kernel, 'sysprep_hello_dp'], { encoding: 'utf8' });
  assert.match(dep.stdout, /insmod \/lib\/modules\/.*\/updates\/sysprep_hello_dp\.ko/);
  assert.equal(fs.statSync(initrd).mtimeMs, before, 'a module nothing loads at boot does not rebuild the initramfs');
  // every changed path is in the Panther log too
  const log = fs.readFileSync(path.join(root, 'var/lib/sysprep/panther/setupact.log'), 'utf8');
  for (const p of paths) assert.ok(log.includes(p), `${p} in setupact.log`);
  const list = sysprep(['drivers', 'list', '--root', root, '--json']);
  assert.equal(list.status, 0, list.stderr);
  assert.ok(list.json.modules.some((m: { name: string; version: string }) => m.name === 'sysprep_hello_dp' && m.version === '1.0'));
  assert.equal(list.json.added.at(-1).kind, 'module');
});

test('firmware: a file to /lib/firmware, and firmware-linux-free from the root\'s archive (apt-get download)', () => {
  const blob = path.join(scratch, 'sysprep-test-fw.bin');
  fs.writeFileSync(blob, Buffer.from('firmware blob for a test device\n'));
  const r = sysprep(['drivers', 'add', '--root', root, '--json', blob]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(root, 'usr/lib/firmware/sysprep-test-fw.bin'), 'utf8'), 'firmware blob for a test device\n');
  assert.ok(r.json.changed.some((c: { path: string }) => c.path === '/usr/lib/firmware/sysprep-test-fw.bin'));

  const deb = debFile('firmware-linux-free');
  assert.ok(deb, 'apt-get download firmware-linux-free');
  const p = sysprep(['drivers', 'add', '--root', root, '--json', deb!]);
  assert.equal(p.status, 0, p.stderr + p.stdout);
  assert.equal(dpkgStatus('firmware-linux-free'), 'install ok installed');
  const files = spawnSync('dpkg-deb', ['-c', deb!], { encoding: 'utf8' }).stdout.split('\n').map((l) => /\s\.(\/\S+)$/.exec(l)?.[1]).filter((f): f is string => !!f && f.includes('/firmware/') && !f.endsWith('/'));
  assert.ok(files.length > 3, files.join(' '));
  for (const f of files) assert.ok(fs.existsSync(path.join(root, f)), f);
  const changed = new Set(p.json.changed.map((c: { path: string }) => c.path));
  assert.ok(files.some((f) => changed.has(f) || changed.has(f.replace(/^\/lib\//, '/usr/lib/'))), 'the package\'s files are listed');
});

test('a DKMS package from the root\'s archive (v4l2loopback-dkms) and a DKMS source tree build for the image kernel', () => {
  const deb = debFile('v4l2loopback-dkms');
  assert.ok(deb, 'apt-get download v4l2loopback-dkms');
  const r = sysprep(['drivers', 'add', '--root', root, '--json', deb!]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(dpkgStatus('v4l2loopback-dkms'), 'install ok installed');
  const ko = fs.readdirSync(path.join(root, `usr/lib/modules/${dr.kernel}/updates/dkms`)).find((f) => f.startsWith('v4l2loopback.ko'));
  assert.ok(ko, 'dkms built v4l2loopback for the image kernel');
  assert.ok(r.json.changed.some((c: { path: string }) => c.path.endsWith(`/updates/dkms/${ko}`)), 'the built module is listed');

  const t = sysprep(['drivers', 'add', '--root', root, '--json', HELLO_DKMS_SOURCE]);
  assert.equal(t.status, 0, t.stderr + t.stdout);
  assert.deepEqual(t.json.added.map((a: { kind: string; kernels: string[] }) => [a.kind, a.kernels]), [['dkms', [dr.kernel]]]);
  assert.ok(fs.existsSync(path.join(root, 'usr/src/sysprep-hello-dkms-1.0/dkms.conf')));
  const built = fs.readdirSync(path.join(root, `usr/lib/modules/${dr.kernel}/updates/dkms`));
  assert.ok(built.some((f) => f.startsWith('sysprep_hello_dkms.ko')), built.join(' '));
  const list = sysprep(['drivers', 'list', '--root', root, '--json']);
  assert.deepEqual(list.json.dkms.map((d: { name: string }) => d.name).sort(), ['sysprep-hello-dkms', 'v4l2loopback']);
});

test('a package whose postinst fails: exit 1 with the package\'s own message, purged again', () => {
  const pkg = path.join(scratch, 'broken');
  fs.mkdirSync(path.join(pkg, 'DEBIAN'), { recursive: true });
  fs.mkdirSync(path.join(pkg, 'usr/lib/firmware'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'usr/lib/firmware/sysprep-broken.bin'), 'x');
  fs.writeFileSync(path.join(pkg, 'DEBIAN/control'), 'Package: sysprep-test-broken-driver\nVersion: 1.0\nArchitecture: all\nMaintainer: sysprep tests <tests@example.invalid>\nDescription: a driver package whose configuration fails\n');
  fs.writeFileSync(path.join(pkg, 'DEBIAN/postinst'), '#!/bin/sh\necho "sysprep-test-broken-driver: no supported device found (E42)" >&2\nexit 1\n', { mode: 0o755 });
  const deb = path.join(scratch, 'sysprep-test-broken-driver_1.0_all.deb');
  const b = spawnSync('dpkg-deb', ['--root-owner-group', '--build', pkg, deb], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const r = sysprep(['drivers', 'add', '--root', root, deb]);
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /no supported device found \(E42\)/);
  assert.match(r.stderr, /rolled back: purged sysprep-test-broken-driver/);
  assert.equal(dpkgStatus('sysprep-test-broken-driver'), '', 'not installed, not half-configured');
  assert.ok(!fs.existsSync(path.join(root, 'usr/lib/firmware/sysprep-broken.bin')));
  assert.ok(!fs.existsSync(path.join(root, 'usr/sbin/policy-rc.d')), 'the temporary policy-rc.d is gone');
  assert.ok(!fs.existsSync(path.join(root, 'var/lib/sysprep/drivers-incoming')));
  // the package database is sound afterwards
  assert.equal(inChroot(root, ['dpkg', '--audit']).output.trim(), '');
});

test('unattend check: where the audit boot looks for each auditSystem DriverPaths path (relative: the answer file\'s directory on the clone)', () => {
  const dir = fs.mkdtempSync(path.join(scratch, 'answer-'));
  fs.mkdirSync(path.join(dir, 'drv'));
  fs.copyFileSync(dr.modules.helloAudit, path.join(dir, 'drv/sysprep_hello_audit.ko'));
  const file = path.join(dir, 'unattend.xml');
  fs.writeFileSync(file, driverPathsAnswerFile({ auditSystem: ['drv', '/opt/vendor/drivers'] }));
  const r = sysprep(['unattend', 'check', file]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /auditSystem \[1\] "drv": found relative to the answer file here; at the audit boot it is looked for relative to the answer file's directory on the clone \(\/var\/lib\/sysprep\/ when the file is given to the seal's command line/);
  assert.match(r.stdout, /\n {4}- kernel module sysprep_hello_audit for kernel /);
  assert.match(r.stdout, /auditSystem \[2\] "\/opt\/vendor\/drivers": looked for on the clone at its audit boot/);
});
