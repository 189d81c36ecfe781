/**
 * Faults at first boot (issue 4, part 5), in QEMU: power lost in the middle of specialize (the next
 * boot finishes it without redoing what was done), and a failing RunSynchronous command (the state
 * stays UNDEPLOYABLE, the failure is in setuperr.log and on the console, and the machine does not
 * pretend to be set up).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { BOOT_TIMEOUT, cleanups, COMPONENT, generalizedImage, INTERNATIONAL, loginAndPowerOff, read, UNATTEND } from '../harness/first-boot.js';
import { startImage, tail } from '../harness/qemu.js';

const ROOT = COMPONENT('Microsoft-Windows-Shell-Setup',
  '<UserAccounts><AdministratorPassword><Value>R00t-Pass!</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>' +
  '<OOBE><HideEULAPage>true</HideEULAPage><HideLocalAccountScreen>true</HideLocalAccountScreen></OOBE>');

function answerFile(name: string, runSynchronous: string): string {
  const file = path.join(WORK_DIR, `${name}-${process.pid}.xml`);
  fs.writeFileSync(file, UNATTEND({
    specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>FAULT-01</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL +
      COMPONENT('Microsoft-Windows-Deployment', `<RunSynchronous>${runSynchronous}</RunSynchronous>`),
    oobeSystem: ROOT,
  }));
  cleanups.push(() => fs.rmSync(file, { force: true }));
  return file;
}

describe('first-boot faults in QEMU', { concurrency: false }, () => {
  it('power lost during specialize: the next boot completes it, without redoing finished steps', async () => {
    // the command sleeps the first time (and marks that it did): the power goes while it sleeps
    const answer = answerFile('power', '<RunSynchronousCommand wcm:action="add"><Order>1</Order>' +
      '<Path>if [ -e /var/tmp/slept ]; then echo second-run; else touch /var/tmp/slept; sync; sleep 600; fi</Path>' +
      '<Description>slow step</Description></RunSynchronousCommand>');
    const img = generalizedImage('fault-power', ['/oobe', `/unattend:${answer}`]);
    const first = startImage({ image: img.image, kernel: img.kernel, initrd: img.initrd, timeoutMs: BOOT_TIMEOUT });
    try {
      await first.waitFor(/sysprep: running slow step/, BOOT_TIMEOUT);
      await new Promise((r) => setTimeout(r, 5000)); // let the marker and the step records reach the disk
    } finally {
      first.kill(); // the power goes
      await first.done;
    }
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_UNDEPLOYABLE/);
      assert.ok(fs.existsSync(path.join(root, 'var/lib/sysprep/state/specialize.inprogress')));
    });
    const second = startImage({ image: img.image, kernel: img.kernel, initrd: img.initrd, timeoutMs: BOOT_TIMEOUT });
    try {
      await loginAndPowerOff(second, 'root', 'R00t-Pass!');
      const r = await second.done;
      assert.ok(r.exited, tail(r.serial));
    } catch (err) {
      second.kill();
      await second.done;
      throw new Error(`${(err as Error).message}\n${tail(second.serial(), 80)}`);
    }
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      const log = read(root, '/var/log/sysprep/panther/setupact.log');
      assert.match(log, /specialize pass resumed after an interruption/);
      assert.match(log, /hostname: already done before the interruption/);
      assert.match(read(root, '/var/log/sysprep/panther/unattendgc/setupact.log'), /output: second-run/);
      assert.equal(read(root, '/etc/hostname'), 'fault-01\n');
      assert.equal(fs.existsSync(path.join(root, 'var/lib/sysprep/state/specialize.inprogress')), false);
    });
  });

  it('a failing RunSynchronous command: UNDEPLOYABLE, in setuperr.log and on the console, not set up', async () => {
    const answer = answerFile('fail', '<RunSynchronousCommand wcm:action="add"><Order>1</Order><Path>exit 5</Path>' +
      '<Description>enrol</Description><WillReboot>OnRequest</WillReboot></RunSynchronousCommand>');
    const img = generalizedImage('fault-fail', ['/oobe', `/unattend:${answer}`]);
    const g = startImage({ image: img.image, kernel: img.kernel, initrd: img.initrd, timeoutMs: BOOT_TIMEOUT });
    try {
      await g.waitFor(/sysprep: specialize failed: RunSynchronous command 1 \(enrol\) failed with exit code 5/, BOOT_TIMEOUT);
      await g.waitFor(/this machine is not set up/, BOOT_TIMEOUT);
      await g.waitFor(/login: $/m, BOOT_TIMEOUT);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      g.kill();
      await g.done;
    }
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_UNDEPLOYABLE/);
      assert.match(read(root, '/var/log/sysprep/panther/setuperr.log'), /Error .*specialize: RunSynchronous command 1 \(enrol\) failed with exit code 5/);
      // the OOBE did not run: no root password was set, no COMPLETE
      assert.doesNotMatch(read(root, '/var/log/sysprep/panther/setupact.log'), /OOBE complete/);
    });
  });
});
