/**
 * Hostile answer-file values through one real first boot (QEMU, TCG): every value of
 * test/harness/hostile.ts at once — command substitutions, backquotes, quotes, `;`, line breaks,
 * leading dashes, a 511-byte password — in the passwords, the account's name, display name and
 * description, the time zone, the computer name, RunSynchronous and FirstLogonCommands. root logs in
 * on the serial console with the hostile AdministratorPassword (its FirstLogonCommands run then); the
 * image is inspected after power-off: every value verbatim, only the commands asked for ran, no canary.
 * The fast version of the same, value by value, is hostile-chroot.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { boot, cleanups, generalizedImage, loginAndPowerOff, read, shadowOf, verifies } from '../harness/first-boot.js';
import { canaries, firstLogonOut, H, HOST, hostileAnswerFile, passwdField, RUN_OUT, USER } from '../harness/hostile.js';

describe('hostile answer-file values in QEMU', { concurrency: false }, () => {
  it('one boot with every hostile value: all verbatim, nothing run that was not asked for', async () => {
    fs.mkdirSync(WORK_DIR, { recursive: true });
    const answer = path.join(WORK_DIR, `hostile-${process.pid}.xml`);
    fs.writeFileSync(answer, hostileAnswerFile());
    cleanups.push(() => fs.rmSync(answer, { force: true }));
    const img = generalizedImage('hostile', ['/oobe', `/unattend:${answer}`]);
    const started = Date.now();
    const guest = await boot(img, (g) => loginAndPowerOff(g, 'root', H.adminPassword));
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stderr.write(`# hostile boot: ${seconds} s (budget 240 s)\n`);
    const serial = guest.serial();
    assert.ok(serial.includes(`sysprep: first logon: ${H.firstLogonDescription}`), 'the FirstLogonCommand\'s description, printed as written');
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.equal(read(root, '/etc/hostname'), `${HOST}\n`);
      assert.equal(read(root, '/var/tmp/run-out'), RUN_OUT, 'RunSynchronous Path ran exactly as written');
      assert.equal(read(root, '/var/tmp/first-logon-out'), firstLogonOut('root'), 'FirstLogonCommands ran as written, at root\'s first login');
      assert.ok(verifies(shadowOf(root, 'root'), H.adminPassword), 'AdministratorPassword, verbatim (and root logged in with it)');
      assert.ok(verifies(shadowOf(root, USER), H.userPassword), 'the 511-byte LocalAccount password, verbatim');
      assert.equal(passwdField(read(root, '/etc/passwd'), USER, 4), H.displayName, 'GECOS holds the display name');
      assert.ok(read(root, '/var/log/sysprep/panther/setupact.log').includes(`TimeZone "${H.timeZone}" is not a Windows time zone`));
      assert.ok(read(root, '/var/log/sysprep/panther/unattendgc/setupact.log').includes(`RunSynchronous 1: ${H.runDescription.split('\n')[0]}`));
      for (const f of ['setupact.log', 'setuperr.log', 'unattendgc/setupact.log']) {
        const text = read(root, `/var/log/sysprep/panther/${f}`);
        assert.ok(!text.includes(H.adminPassword) && !text.includes(H.userPassword), `no password in ${f}`);
      }
      assert.equal(read(root, '/var/log/sysprep/panther/setuperr.log').split('\n').filter((l) => / Error /.test(l)).length, 0, 'no error');
      assert.deepEqual(fs.readdirSync(path.join(root, 'var/lib/sysprep/state/plans')), [], 'no plan (with its secrets) left');
      assert.deepEqual(canaries(root), [], 'nothing ran that the answer file did not ask for');
      for (const d of ['', 'root', 'tmp']) assert.equal(fs.existsSync(path.join(root, d, 'pwned-3')), false, `no ${d}/pwned-3`);
    });
  });
});
