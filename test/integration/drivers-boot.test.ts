/**
 * Drivers in a disk image, proven by a boot (SPEC 11): one raw image of the driver root gets
 *   - sysprep_hello with `sysprep drivers add --image IMG --load-at-boot` (modules-load.d, the
 *     initramfs-tools module list, the initramfs rebuilt and carrying it), and
 *   - sysprep_hello_dp through an answer file's offlineServicing DriverPaths (`drivers`, relative to the
 *     answer file) with `sysprep --image IMG /unattend:FILE`: offline servicing alone, no state change;
 *   - then the image is sealed into audit mode (`/generalize /audit /unattend:FILE`) with an answer file
 *     that has the same offlineServicing DriverPaths (applied again at the seal, before the providers)
 *     and an auditSystem DriverPaths naming a directory inside the image (as C:\Drivers is in a Windows
 *     image) with sysprep_hello_audit: not installed by the seal, left to the audit boot.
 * Then QEMU boots the image once (TCG) with its own kernel and initramfs: specialize, then auditSystem,
 * whose agent step installs sysprep_hello_audit into /lib/modules/KVER/updates, runs depmod and loads it
 * (modprobe: the running kernel is the one it was built for). A unit of the test, after
 * multi-user.target (so after the audit pass), loads sysprep_hello_dp by name (depmod's index), prints
 * lsmod on the serial console and powers off: all three modules are there, sysprep_hello_audit loaded by
 * nobody but the agent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { driverPathsAnswerFile, driverRoot, type DriverRoot } from '../fixtures/driver-roots.js';
import { buildImage, withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot } from '../fixtures/used-root.js';
import { startImage, tail } from '../harness/qemu.js';
import { sysprep } from '../harness/sysprep.js';

let dr: DriverRoot;
let work: string;
let image: string;

const UNIT = 'sysprep-test-drivers.service';
const BEGIN = 'SYSPREP-DRIVERS-LSMOD-BEGIN';
const END = 'SYSPREP-DRIVERS-LSMOD-END';
/** where the image carries the driver its auditSystem DriverPaths names (a path inside the image) */
const AUDIT_DRIVERS = '/opt/sysprep-test-drivers/audit';

before(() => {
  dr = driverRoot('bookworm');
  fs.mkdirSync(WORK_DIR, { recursive: true });
  work = fs.mkdtempSync(path.join(WORK_DIR, 'drivers-boot-'));
  const view = overlayRoot(dr.root, 'drivers-boot-src');
  try {
    // the test's probe: after the boot, load the DriverPaths module by name, show lsmod, power off
    fs.writeFileSync(path.join(view.root, 'etc/systemd/system', UNIT), [
      '[Unit]', 'Description=sysprep test: the drivers arrived', 'After=multi-user.target', '',
      '[Service]', 'Type=oneshot',
      `ExecStart=/bin/sh -c 'modprobe sysprep_hello_dp; { echo ${BEGIN}; lsmod; echo ${END}; } > /dev/ttyS0 2>&1; systemctl poweroff'`,
      '', '[Install]', 'WantedBy=multi-user.target', '',
    ].join('\n'));
    fs.symlinkSync(`/etc/systemd/system/${UNIT}`, path.join(view.root, 'etc/systemd/system/multi-user.target.wants', UNIT));
    fs.writeFileSync(path.join(view.root, 'etc/fstab'), '/dev/vda / ext4 rw 0 1\n');
    fs.mkdirSync(path.join(view.root, AUDIT_DRIVERS), { recursive: true });
    fs.copyFileSync(dr.modules.helloAudit, path.join(view.root, AUDIT_DRIVERS, 'sysprep_hello_audit.ko'));
    image = buildImage(view.root, path.join(work, 'disk.raw'), { headroomMiB: 768 });
  } finally {
    view.dispose();
  }
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const read = (root: string, p: string) => fs.readFileSync(path.join(root, p), 'utf8');

test('drivers add --image, offlineServicing DriverPaths through --image, auditSystem DriverPaths at the audit boot: all three modules loaded in the booted image (lsmod)', async () => {
  // 1. drivers add --load-at-boot
  const add = sysprep(['drivers', 'add', '--image', image, '--load-at-boot', '--json', dr.modules.hello], { timeout: 900_000 });
  assert.equal(add.status, 0, add.stderr + add.stdout);
  assert.deepEqual(add.json.initramfs, [dr.kernel], 'the initramfs of the image kernel was rebuilt');
  const changed = add.json.changed.map((c: { path: string }) => c.path);
  for (const p of [`/usr/lib/modules/${dr.kernel}/updates/sysprep_hello.ko`, '/etc/modules-load.d/sysprep-drivers.conf', '/etc/initramfs-tools/modules', `/boot/initrd.img-${dr.kernel}`]) {
    assert.ok(changed.includes(p), `${p} listed in ${changed.join(', ')}`);
  }

  // 2. the answer file's offlineServicing DriverPaths, serviced alone
  const answerDir = path.join(work, 'answer');
  fs.mkdirSync(path.join(answerDir, 'drivers'), { recursive: true });
  fs.copyFileSync(dr.modules.helloDp, path.join(answerDir, 'drivers/sysprep_hello_dp.ko'));
  const unattend = path.join(answerDir, 'unattend.xml');
  fs.writeFileSync(unattend, driverPathsAnswerFile({ offlineServicing: ['drivers'] }));
  const check = sysprep(['unattend', 'check', unattend]);
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /offlineServicing \[1\] "drivers": found relative to the answer file\n {4}- kernel module sysprep_hello_dp for kernel /);
  const serviced = sysprep(['--image', image, `/unattend:${unattend}`, '--json'], { timeout: 900_000 });
  assert.equal(serviced.status, 0, serviced.stderr + serviced.stdout);
  assert.equal(serviced.json.stateAfter, serviced.json.stateBefore, 'offline servicing alone changes no state');
  assert.deepEqual(serviced.json.providers, [], 'no provider runs');
  assert.ok(serviced.json.changed.some((c: { path: string }) => c.path === `/usr/lib/modules/${dr.kernel}/updates/sysprep_hello_dp.ko`), JSON.stringify(serviced.json.changed));
  const state = sysprep(['state', '--image', image]);
  assert.equal(state.stdout.trim(), 'IMAGE_STATE_COMPLETE (never sealed)');

  // 3. sealed into audit mode: offlineServicing again at the seal, auditSystem left to the boot
  const sealAnswer = path.join(answerDir, 'unattend-audit.xml');
  fs.writeFileSync(sealAnswer, driverPathsAnswerFile({ offlineServicing: ['drivers'], auditSystem: [AUDIT_DRIVERS] }));
  const check2 = sysprep(['unattend', 'check', sealAnswer]);
  assert.equal(check2.status, 0, check2.stdout + check2.stderr);
  assert.match(check2.stdout, new RegExp(`auditSystem \\[1\\] "${AUDIT_DRIVERS}": looked for on the clone at its audit boot`));
  const sealed = sysprep(['--image', image, '/generalize', '/audit', `/unattend:${sealAnswer}`, '--json'], { timeout: 900_000 });
  assert.equal(sealed.status, 0, sealed.stderr + sealed.stdout);
  assert.equal(sealed.json.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT');
  withMountedImage(image, { readOnly: true }, (dir) => {
    const updates = fs.readdirSync(path.join(dir, `usr/lib/modules/${dr.kernel}/updates`)).sort();
    assert.deepEqual(updates, ['sysprep_hello.ko', 'sysprep_hello_dp.ko'], 'the seal did not install the auditSystem driver');
    assert.match(read(dir, 'var/lib/sysprep/panther/setupact.log'), /Answer file: offlineServicing DriverPaths 1: drivers → /, 'the seal applied offlineServicing');
  });

  // 4. the image's kernel and initramfs as sealed, and what the initramfs carries
  const kernel = path.join(work, 'vmlinuz');
  const initrd = path.join(work, 'initrd.img');
  let carried = '';
  withMountedImage(image, { readOnly: true }, (dir) => {
    fs.copyFileSync(path.join(dir, `boot/vmlinuz-${dr.kernel}`), kernel);
    fs.copyFileSync(path.join(dir, `boot/initrd.img-${dr.kernel}`), initrd);
    carried = spawnSync('chroot', [dir, 'lsinitramfs', `/boot/initrd.img-${dr.kernel}`], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  });
  assert.match(carried, /\/updates\/sysprep_hello\.ko$/m, 'the initramfs carries the --load-at-boot module');
  assert.match(carried, /^(usr\/)?etc\/modules$|conf\/modules$/m, 'and its module list');
  assert.doesNotMatch(carried, /sysprep_hello_(dp|audit)\.ko/, 'not the ones nothing loads at boot');

  // 5. one boot: specialize, auditSystem (the agent adds and loads sysprep_hello_audit), the probe
  const guest = startImage({ image, kernel, initrd, timeoutMs: 15 * 60_000, memoryMiB: 1024, cpus: 2 });
  const result = await guest.done;
  const serial = result.serial.replace(/\r/g, '');
  const m = new RegExp(`${BEGIN}\\n([\\s\\S]*?)${END}`).exec(serial);
  assert.ok(m, `the probe ran (serial log ${result.logFile}):\n${tail(serial)}`);
  const loaded = m[1]!.split('\n').map((l) => l.split(/\s+/)[0]);
  assert.ok(loaded.includes('sysprep_hello'), `sysprep_hello loaded at boot:\n${m[1]}`);
  assert.ok(loaded.includes('sysprep_hello_dp'), `sysprep_hello_dp (DriverPaths) loaded by name:\n${m[1]}`);
  assert.ok(loaded.includes('sysprep_hello_audit'), `sysprep_hello_audit (auditSystem DriverPaths) loaded by the agent:\n${m[1]}\n${tail(serial)}`);
  assert.ok(result.exited, `the guest powered off by itself (${result.seconds} s)`);
  process.stderr.write(`# boot: ${result.seconds} s\n`);

  // 6. what the audit pass left in the image
  withMountedImage(image, { readOnly: true }, (dir) => {
    const log = read(dir, 'var/log/sysprep/panther/setupact.log');
    assert.match(log, new RegExp(`DriverPaths: ${AUDIT_DRIVERS} → ${AUDIT_DRIVERS}, `), 'the agent found the path inside the clone');
    assert.match(log, /DriverPaths: added kernel module sysprep_hello_audit .*\[6\./, 'and added the module');
    assert.match(log, /DriverPaths: loaded sysprep_hello_audit/);
    assert.equal(read(dir, 'var/log/sysprep/panther/setuperr.log'), '', 'no error or warning in setuperr.log');
    assert.ok(fs.existsSync(path.join(dir, `usr/lib/modules/${dr.kernel}/updates/sysprep_hello_audit.ko`)), 'installed in updates/');
    assert.match(read(dir, `usr/lib/modules/${dr.kernel}/modules.dep`), /^updates\/sysprep_hello_audit\.ko:/m, 'depmod indexed it');
    assert.match(read(dir, 'var/lib/sysprep/state/State.ini'), /ImageState="IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT"/, 'in audit mode, the auditSystem pass finished');
  });
  const list = sysprep(['drivers', 'list', '--image', image, '--json']);
  assert.equal(list.status, 0, list.stderr);
  assert.ok(list.json.modules.some((x: { name: string }) => x.name === 'sysprep_hello_audit'), JSON.stringify(list.json.modules));
});
