/**
 * An image sealed with `--agent none` (issue 15) boots in QEMU with a per-clone answer file (an SMBIOS
 * credential) that would need the Node.js agent: the clone refuses it, says why in setuperr.log, and
 * finishes with the plans made at the seal (the image's own host name and passwords). One boot. (An answer
 * file that leaves an OOBE page open fails the OOBE pass the same way, and the seal warns of it.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { startImage } from '../harness/qemu.js';
import { BOOT_TIMEOUT, COMPONENT, generalizedImage, INTERNATIONAL, loginAndPowerOff, read, UNATTEND } from '../harness/first-boot.js';

const answerFile = (name: string, password: string) => UNATTEND({
  specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName><TimeZone>UTC</TimeZone>`) + INTERNATIONAL,
  oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${password}</Value><PlainText>true</PlainText></AdministratorPassword>` +
    `<LocalAccounts><LocalAccount wcm:action="add"><Name>ops</Name><Group>Users</Group><Password><Value>${password}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
    '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
});

describe('--agent none, booted', () => {
  it('a late per-clone answer file is refused with its reason; the sealed plans run', async () => {
    fs.mkdirSync(WORK_DIR, { recursive: true });
    const golden = path.join(WORK_DIR, `agent-none-${process.pid}.xml`);
    fs.writeFileSync(golden, answerFile('GOLDEN-NONE', 'Golden-None-1'), { mode: 0o600 });
    let img: ReturnType<typeof generalizedImage>;
    try {
      img = generalizedImage('agent-none', ['/oobe', `/unattend:${golden}`, '--agent', 'none']);
    } finally {
      fs.rmSync(golden, { force: true });
    }
    const credential = Buffer.from(answerFile('CLONE-LATE', 'Clone-Late-1')).toString('base64');
    const guest = startImage({ image: img.image, kernel: img.kernel, initrd: img.initrd, timeoutMs: BOOT_TIMEOUT,
      extraArgs: ['-smbios', `type=11,value=io.systemd.credential.binary:sysprep.unattend=${credential}`] });
    await loginAndPowerOff(guest, 'root', 'Golden-None-1');
    await guest.done;
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.equal(fs.existsSync(path.join(root, 'usr/lib/sysprep/node')), false);
      assert.equal(fs.existsSync(path.join(root, 'usr/lib/sysprep/sysprep.mjs')), false);
      assert.equal(read(root, '/etc/hostname'), 'golden-none\n');
      const errors = read(root, '/var/log/sysprep/panther/setuperr.log');
      assert.match(errors, /planning the specialize phase at boot needs the Node\.js agent, and this image was sealed without it \(--agent none\); seal it again with --agent full or packed\. The plan made at the seal runs instead\./);
      const log = read(root, '/var/log/sysprep/panther/setupact.log');
      assert.match(log, /the systemd credential sysprep\.unattend holds an answer file/);
      assert.doesNotMatch(log, /Clone-Late-1/, 'the refused file left no password in the log');
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/, `setuperr.log:\n${errors}\nsetupact.log (end):\n${log.slice(-3000)}`);
    });
  });
});
