/**
 * Per-clone answer files (SPEC 10, issue 14), booted for real: one sealed image (its own answer file
 * names GOLDEN-IMG), three clones started side by side, each with a different answer file in a systemd
 * credential: two over SMBIOS type 11 (the `.binary` form: systemd decodes the base64), one over
 * QEMU's fw_cfg (opt/io.systemd.credentials/). Each clone must
 * specialize and finish the OOBE with its own file — host name, account, passwords checked from the
 * booted clone (a login) and its shadow hashes — never with the golden cache, and hold nothing of the
 * other's file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { withMountedImage } from '../fixtures/disk-image.js';
import { startImage } from '../harness/qemu.js';
import {
  BOOT_TIMEOUT, clone, COMPONENT, generalizedImage, INTERNATIONAL, loginAndPowerOff, read, shadowOf, UNATTEND, verifies,
} from '../harness/first-boot.js';

const answerFile = (name: string, password: string) => UNATTEND({
  specialize: COMPONENT('Microsoft-Windows-Shell-Setup', `<ComputerName>${name}</ComputerName><TimeZone>UTC</TimeZone>`) + INTERNATIONAL,
  oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
    `<UserAccounts><AdministratorPassword><Value>${password}</Value><PlainText>true</PlainText></AdministratorPassword>` +
    `<LocalAccounts><LocalAccount wcm:action="add"><Name>ops-${name.toLowerCase()}</Name><Group>Administrators</Group>` +
    `<Password><Value>${password}</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>` +
    '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
});

describe('per-clone answer files in QEMU', { concurrency: false }, () => {
  it('three clones of one image, each with its own credential (SMBIOS type 11 twice, fw_cfg): own name, account and passwords', async () => {
    const golden = '/var/cache/sysprep-test/work/per-clone-golden.xml';
    fs.mkdirSync('/var/cache/sysprep-test/work', { recursive: true });
    fs.writeFileSync(golden, answerFile('GOLDEN-IMG', 'Golden-Pw-1'));
    const img = generalizedImage('per-clone', ['/oobe', `/unattend:${golden}`]);
    const clones = [
      { name: 'CLONE-A', password: 'Clone-A-Pw-1', image: clone(img.image, 'a.raw') },
      { name: 'CLONE-B', password: 'Clone-B-Pw-2', image: clone(img.image, 'b.raw') },
      { name: 'CLONE-C', password: 'Clone-C-Pw-3', image: clone(img.image, 'c.raw'), fwCfg: true },
    ];
    const results = await Promise.allSettled(clones.map(async (c) => {
      const text = answerFile(c.name, c.password);
      const file = `${c.image}.unattend.xml`;
      fs.writeFileSync(file, text, { mode: 0o600 });
      const extraArgs = c.fwCfg
        ? ['-fw_cfg', `name=opt/io.systemd.credentials/sysprep.unattend,file=${file}`]
        : ['-smbios', `type=11,value=io.systemd.credential.binary:sysprep.unattend=${Buffer.from(text).toString('base64')}`];
      const guest = startImage({ image: c.image, kernel: img.kernel, initrd: img.initrd, timeoutMs: BOOT_TIMEOUT, extraArgs });
      try {
        // the root password is the clone's own: the login proves it in the booted clone
        await loginAndPowerOff(guest, 'root', c.password);
        const r = await guest.done;
        assert.ok(r.exited, 'the clone powered off');
      } catch (err) {
        guest.kill();
        await guest.done;
        throw err;
      }
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const [i, c] of clones.entries()) {
      const other = clones[(i + 1) % clones.length]!;
      withMountedImage(c.image, { readOnly: true }, (root) => {
        assert.equal(read(root, '/etc/hostname'), `${c.name.toLowerCase()}\n`, 'the host name of its own file, not GOLDEN-IMG');
        const user = `ops-${c.name.toLowerCase()}`;
        assert.ok(verifies(shadowOf(root, user), c.password), `${user}'s password is its own`);
        assert.ok(verifies(shadowOf(root, 'root'), c.password), "root's password is its own");
        assert.equal(shadowOf(root, `ops-golden-img`), '', 'no account of the golden file');
        assert.equal(shadowOf(root, `ops-${other.name.toLowerCase()}`), '', "no account of the other clone's file");
        const log = read(root, '/var/log/sysprep/panther/setupact.log');
        assert.match(log, /\[credential\]: taken, it has settings for the specialize pass/);
        assert.match(log, /\[credential\]: skipped, an earlier pass of this clone took it/);
        assert.equal(read(root, '/var/log/sysprep/panther/setuperr.log'), '');
        const cache = read(root, '/var/lib/sysprep/unattend.xml');
        assert.ok(cache.includes(`<ComputerName>${c.name}</ComputerName>`), 'the cache is its own file');
        for (const f of ['/var/lib/sysprep/unattend.xml', '/var/log/sysprep/panther/setupact.log']) {
          const text = read(root, f);
          assert.ok(!text.includes(c.password) && !text.includes(other.password) && !text.includes(other.name), `nothing of a password or the other clone in ${f}`);
        }
        assert.equal(fs.statSync(`${root}/var/lib/sysprep/unattend.xml`).mode & 0o777, 0o600, 'the cache is 0600');
      });
    }
  });
});
