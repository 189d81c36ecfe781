/**
 * Drivers in a disk image, proven by a boot (SPEC 11): one raw image of the driver root gets
 *   - sysprep_hello with `sysprep drivers add --image IMG --load-at-boot` (modules-load.d, the
 *     initramfs-tools module list, the initramfs rebuilt and carrying it), and
 *   - sysprep_hello_dp through an answer file's offlineServicing DriverPaths (`drivers`, relative to the
 *     answer file) with `sysprep --image IMG /unattend:FILE`: offline servicing alone, no state change.
 * Then QEMU boots the image once (TCG) with its own kernel and the rebuilt initramfs; a unit of the test
 * loads sysprep_hello_dp by name (depmod's index) and prints lsmod on the serial console: both modules
 * are there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { driverRoot, type DriverRoot } from '../fixtures/driver-roots.js';
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
    image = buildImage(view.root, path.join(work, 'disk.raw'), { headroomMiB: 768 });
  } finally {
    view.dispose();
  }
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('drivers add --image and DriverPaths through --image: both modules are in the booted image (lsmod), one from the initramfs', async () => {
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
  fs.writeFileSync(unattend, `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="offlineServicing">
    <component name="Microsoft-Windows-PnpCustomizationsNonWinPE" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
      <DriverPaths>
        <PathAndCredentials wcm:action="add" wcm:keyValue="1">
          <Path>drivers</Path>
        </PathAndCredentials>
      </DriverPaths>
    </component>
  </settings>
</unattend>
`);
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

  // 3. the image's kernel and rebuilt initramfs, and what the initramfs carries
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
  assert.doesNotMatch(carried, /sysprep_hello_dp\.ko/, 'not the one nothing loads at boot');

  // 4. one boot
  const guest = startImage({ image, kernel, initrd, timeoutMs: 15 * 60_000, memoryMiB: 1024, cpus: 2 });
  const result = await guest.done;
  const serial = result.serial.replace(/\r/g, '');
  const m = new RegExp(`${BEGIN}\\n([\\s\\S]*?)${END}`).exec(serial);
  assert.ok(m, `the probe ran (serial log ${result.logFile}):\n${tail(serial)}`);
  const loaded = m[1]!.split('\n').map((l) => l.split(/\s+/)[0]);
  assert.ok(loaded.includes('sysprep_hello'), `sysprep_hello loaded at boot:\n${m[1]}`);
  assert.ok(loaded.includes('sysprep_hello_dp'), `sysprep_hello_dp (DriverPaths) loaded by name:\n${m[1]}`);
  assert.ok(result.exited, `the guest powered off by itself (${result.seconds} s)`);
});
