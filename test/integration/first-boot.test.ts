/**
 * First boot, for real (issue 4): used bookworm roots generalized by bin/sysprep (which installs the
 * first-boot agent with its own Node.js runtime), made into ext4 images, booted in QEMU (TCG) with the
 * serial console captured and typed into, then inspected by mounting the image after power-off.
 *
 *  (a) answer file: ComputerName, TimeZone, a LocalAccount with a password, HideEULAPage, Reseal OOBE
 *  (b) two clones of one image: different machine-ids, host keys and host names
 *  (c) audit mode: auditUser ran, resealed from inside with /oobe /generalize /shutdown, then OOBE
 *  (d) the interactive OOBE driven over the serial console
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import {
  boot, BOOT_TIMEOUT, cleanups, clone, COMPONENT, generalizedImage, hostKeys, INTERNATIONAL, loginAndPowerOff, read, shadowOf, UNATTEND, verifies,
} from '../harness/first-boot.js';

describe('first boot in QEMU', { concurrency: false }, () => {
  it('(a) an answer file: hostname, time zone, a user with a password, no EULA page, COMPLETE', async () => {
    const answer = path.join(WORK_DIR, `unattend-a-${process.pid}.xml`);
    fs.writeFileSync(answer, UNATTEND({
      specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>WEB-01</ComputerName><TimeZone>W. Europe Standard Time</TimeZone>') + INTERNATIONAL,
      oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
        '<UserAccounts><AdministratorPassword><Value>R00t-Pass!</Value><PlainText>true</PlainText></AdministratorPassword>' +
        '<LocalAccounts><LocalAccount wcm:action="add"><Name>deploy</Name><DisplayName>Deploy User</DisplayName><Group>Administrators</Group>' +
        '<Password><Value>S3cret-Pass!</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
        '<OOBE><HideEULAPage>true</HideEULAPage><SkipMachineOOBE>false</SkipMachineOOBE></OOBE>') +
        COMPONENT('Microsoft-Windows-Deployment', '<Reseal><Mode>OOBE</Mode></Reseal>'),
    }));
    cleanups.push(() => fs.rmSync(answer, { force: true }));
    const img = generalizedImage('fb-a', ['/oobe', `/unattend:${answer}`], (root) => {
      fs.mkdirSync(path.join(root, 'etc/sysprep'), { recursive: true });
      fs.writeFileSync(path.join(root, 'etc/sysprep/eula.txt'), 'You may use this system.\n');
    });
    const before = withMountedImage(img.image, { readOnly: true }, (root) => ({ keys: fs.readdirSync(path.join(root, 'etc/ssh')).filter((n) => n.includes('_host_')) }));
    assert.deepEqual(before.keys, [], 'generalize removed the host keys');
    const g = await boot(img, (guest) => loginAndPowerOff(guest, 'root', 'R00t-Pass!'));
    assert.doesNotMatch(g.serial(), /Do you accept the licence/, 'HideEULAPage skipped the licence');
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.equal(read(root, '/etc/hostname'), 'web-01\n');
      assert.match(read(root, '/etc/hosts'), /^127\.0\.1\.1\s+web-01$/m);
      assert.equal(fs.readlinkSync(path.join(root, 'etc/localtime')), '/usr/share/zoneinfo/Europe/Berlin');
      assert.match(read(root, '/etc/passwd'), /^deploy:x:\d+:\d+:Deploy User:\/home\/deploy:/m);
      assert.match(read(root, '/etc/group'), /^sudo:x:\d+:.*\bdeploy\b/m);
      assert.ok(verifies(shadowOf(root, 'deploy'), 'S3cret-Pass!'), "deploy's password verifies against the shadow hash");
      assert.ok(!verifies(shadowOf(root, 'deploy'), 'wrong'), 'and a wrong one does not');
      assert.ok(verifies(shadowOf(root, 'root'), 'R00t-Pass!'));
      assert.match(shadowOf(root, 'deploy'), /^\$(y|6)\$/, 'yescrypt or SHA-512 crypt');
      assert.match(read(root, '/etc/machine-id'), /^[0-9a-f]{32}\n$/, 'systemd committed a machine-id');
      assert.equal(hostKeys(root).length, 3, 'new rsa, ecdsa and ed25519 host keys');
      const log = read(root, '/var/log/sysprep/panther/setupact.log');
      assert.match(log, /specialize pass complete/);
      assert.match(log, /OOBE complete; image state IMAGE_STATE_COMPLETE/);
      assert.equal(read(root, '/var/log/sysprep/panther/setuperr.log'), '');
      const cache = read(root, '/var/lib/sysprep/unattend.xml');
      assert.ok(!cache.includes('S3cret-Pass!') && !cache.includes('R00t-Pass!'), 'the cache is scrubbed');
      assert.match(cache, /\*SENSITIVE\*DATA\*DELETED\*/);
      assert.match(cache, /<settings pass="oobeSystem" wasPassProcessed="true">/);
      for (const f of ['/var/log/sysprep/panther/setupact.log', '/var/lib/sysprep/panther/setupact.log']) {
        assert.ok(!read(root, f).includes('S3cret-Pass!'), `no secret in ${f}`);
      }
    });
  });

  it('(b) two clones of one image: different machine-ids, host keys and host names', async () => {
    const answer = path.join(WORK_DIR, `unattend-b-${process.pid}.xml`);
    fs.writeFileSync(answer, UNATTEND({
      specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>*</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL,
      oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
        '<UserAccounts><AdministratorPassword><Value>R00t-Pass!</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>' +
        '<OOBE><HideEULAPage>true</HideEULAPage><HideLocalAccountScreen>true</HideLocalAccountScreen></OOBE>'),
    }));
    cleanups.push(() => fs.rmSync(answer, { force: true }));
    // a vendor's external specialize provider: it gives each clone its own agent id at first boot
    const img = generalizedImage('fb-b', ['/oobe', `/unattend:${answer}`], (root) => {
      fs.mkdirSync(path.join(root, 'usr/lib/sysprep/providers.d'), { recursive: true });
      fs.mkdirSync(path.join(root, 'usr/local/lib/acme'), { recursive: true });
      fs.writeFileSync(path.join(root, 'usr/local/lib/acme/specialize.sh'),
        '#!/bin/sh\necho "$SYSPREP_PASS $(cat /proc/sys/kernel/random/uuid)" > /etc/acme-agent.id\necho "new acme id"\n', { mode: 0o755 });
      fs.writeFileSync(path.join(root, 'usr/lib/sysprep/providers.d/acme.json'),
        JSON.stringify({ id: 'acme-agent', order: 50, specialize: ['/usr/local/lib/acme/specialize.sh'] }));
    });
    const clones = [clone(img.image, 'clone1.raw'), clone(img.image, 'clone2.raw')];
    const seen = [];
    for (const image of clones) {
      await boot({ ...img, image }, (g) => loginAndPowerOff(g, 'root', 'R00t-Pass!'));
      seen.push(withMountedImage(image, { readOnly: true }, (root) => ({
        state: read(root, '/var/lib/sysprep/state/State.ini'),
        machineId: read(root, '/etc/machine-id').trim(),
        hostname: read(root, '/etc/hostname').trim(),
        keys: hostKeys(root),
        acme: read(root, '/etc/acme-agent.id'),
        log: read(root, '/var/log/sysprep/panther/setupact.log'),
      })));
    }
    for (const s of seen) {
      assert.match(s.state, /IMAGE_STATE_COMPLETE/);
      assert.match(s.machineId, /^[0-9a-f]{32}$/);
      assert.match(s.hostname, /^debian-[a-z0-9]{7}$/);
      assert.equal(s.keys.length, 3);
      assert.match(s.acme, /^specialize [0-9a-f-]{36}\n$/, 'the external specialize provider ran at first boot');
      assert.match(s.log, /acme-agent: new acme id/);
    }
    assert.notEqual(seen[0]!.acme, seen[1]!.acme);
    assert.notEqual(seen[0]!.machineId, seen[1]!.machineId);
    assert.notEqual(seen[0]!.hostname, seen[1]!.hostname);
    for (let i = 0; i < 3; i++) assert.notEqual(seen[0]!.keys[i], seen[1]!.keys[i]);
  });

  it('(d) the interactive OOBE over the serial console creates the user typed', async () => {
    const img = generalizedImage('fb-d', ['/oobe'], (root) => {
      fs.mkdirSync(path.join(root, 'etc/sysprep'), { recursive: true });
      fs.writeFileSync(path.join(root, 'etc/sysprep/eula.txt'), 'Licence: be nice.\n');
    });
    const answers: [RegExp, string][] = [
      [/Do you accept the licence terms\? \(yes\/no\): $/, 'yes'],
      [/Language and region.*: $/, ''],
      [/Keyboard layout.*: $/, 'de'],
      [/Time zone.*: $/, 'Europe/Paris'],
      [/Computer name.*: $/, 'kiosk-7'],
      [/User name: $/, 'carol'],
      [/Full name.*: $/, 'Carol Example'],
      [/Password: $/, 'pw-Carol-1'],
      [/Password again: $/, 'pw-Carol-1'],
    ];
    const g = await boot(img, async (guest) => {
      let at = 0;
      for (const [prompt, reply] of answers) {
        const m = await guest.waitFor(new RegExp(prompt.source, 'm'), BOOT_TIMEOUT, at);
        at += m.index + m[0].length;
        guest.type(`${reply}\r`);
      }
      await guest.waitFor(/Setup is complete/, 300_000, at);
      await loginAndPowerOff(guest, 'carol', 'pw-Carol-1');
    });
    assert.ok(!g.serial().includes('pw-Carol-1\r\n'), 'the password was not echoed');
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.equal(read(root, '/etc/hostname'), 'kiosk-7\n');
      assert.equal(fs.readlinkSync(path.join(root, 'etc/localtime')), '/usr/share/zoneinfo/Europe/Paris');
      assert.match(read(root, '/etc/default/keyboard'), /^XKBLAYOUT="de"$/m);
      assert.match(read(root, '/etc/default/locale'), /^LANG=en_US\.UTF-8$/m);
      assert.match(read(root, '/etc/passwd'), /^carol:x:\d+:\d+:Carol Example:\/home\/carol:/m);
      assert.match(read(root, '/etc/group'), /^sudo:x:\d+:.*\bcarol\b/m);
      assert.ok(verifies(shadowOf(root, 'carol'), 'pw-Carol-1'));
      assert.ok(!read(root, '/var/log/sysprep/panther/setupact.log').includes('pw-Carol-1'));
    });
  });

  it('(c) audit mode: auditUser ran as root; resealed from inside; then OOBE', async () => {
    const answer = path.join(WORK_DIR, `unattend-c-${process.pid}.xml`);
    fs.writeFileSync(answer, UNATTEND({
      specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>AUDIT-01</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL,
      auditUser: COMPONENT('Microsoft-Windows-Deployment',
        '<RunSynchronous><RunSynchronousCommand wcm:action="add"><Order>1</Order><Path>id -un &gt; /root/audituser-ran</Path>' +
        '<Description>mark</Description><WillReboot>Never</WillReboot></RunSynchronousCommand></RunSynchronous>'),
      oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
        '<UserAccounts><AdministratorPassword><Value>R00t-Pass!</Value><PlainText>true</PlainText></AdministratorPassword></UserAccounts>' +
        '<OOBE><HideEULAPage>true</HideEULAPage><HideLocalAccountScreen>true</HideLocalAccountScreen></OOBE>'),
    }));
    cleanups.push(() => fs.rmSync(answer, { force: true }));
    const img = generalizedImage('fb-c', ['/audit', `/unattend:${answer}`]);
    await boot(img, async (g) => {
      // root is logged in automatically; the dialog is offered: Escape closes it, then reseal by hand
      await g.waitFor(/this machine is in audit mode/, BOOT_TIMEOUT);
      await g.waitFor(/System Preparation Tool/, 120_000);
      const at = g.serial().length;
      g.type('\x1b');
      await g.waitFor(/[#$] $/m, 60_000, at);
      g.type('sysprep /oobe /generalize /shutdown\n');
    });
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.equal(read(root, '/root/audituser-ran'), 'root\n', 'the auditUser command ran as root');
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE/);
      assert.equal(read(root, '/etc/machine-id'), 'uninitialized\n');
    });
    await boot(img, (g) => loginAndPowerOff(g, 'root', 'R00t-Pass!'));
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.match(read(root, '/etc/machine-id'), /^[0-9a-f]{32}\n$/);
    });
  });
});
