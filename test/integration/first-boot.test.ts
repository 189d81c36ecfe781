/**
 * First boot, for real (issue 4): used bookworm roots generalized by bin/sysprep (which installs the
 * first-boot agent with its own Node.js runtime), made into ext4 images, booted in QEMU (TCG) with the
 * serial console captured and typed into, then inspected by mounting the image after power-off.
 *
 *  (a) answer file: ComputerName, TimeZone, a LocalAccount with a password, HideEULAPage, Reseal OOBE
 *  (b) two clones of one image: different machine-ids, host keys and host names
 *  (c) audit mode: auditUser ran, resealed from inside with /oobe /generalize /shutdown, then OOBE
 *  (d) the interactive OOBE driven over the serial console
 *  (e) an answer file on the kernel command line (planned at boot by the Node.js agent) on a GPT disk
 *      larger than the image: ExtendOSPartition, DeviceForm, RunAsynchronous, AutoLogon with
 *      LogonCount, FirstLogonCommands at that automatic logon
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withMountedImage, WORK_DIR } from '../fixtures/disk-image.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { packageFile } from '../harness/debian-package.js';
import { findKernel, startImage, tail } from '../harness/qemu.js';
import { sysprep } from '../harness/sysprep.js';
import {
  boot, bootAll, BOOT_TIMEOUT, cleanups, clone, COMPONENT, generalizedImage, hostKeys, INTERNATIONAL, loginAndPowerOff, read, shadowOf, UNATTEND, verifies,
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
      // no per-clone file (SPEC 10): the plans sealed with the image, carried out by the runner alone
      assert.doesNotMatch(log, /planning again|Planned at boot|\[(credential|config-drive|metadata)\]/, 'the sealed plans, no agent at boot');
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
    // both clones at once, as a fleet boots
    await bootAll(clones.map((image) => ({ ...img, image })), (g) => loginAndPowerOff(g, 'root', 'R00t-Pass!'));
    const seen = clones.map((image) => withMountedImage(image, { readOnly: true }, (root) => ({
      state: read(root, '/var/lib/sysprep/state/State.ini'),
      machineId: read(root, '/etc/machine-id').trim(),
      hostname: read(root, '/etc/hostname').trim(),
      keys: hostKeys(root),
      acme: read(root, '/etc/acme-agent.id'),
      log: read(root, '/var/log/sysprep/panther/setupact.log'),
    })));
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
      auditSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
        '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>auditor</Name><Group>Administrators</Group>' +
        '<Password><Value>Audit-Pass1</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>') +
        COMPONENT('Microsoft-Windows-Deployment', '<AuditComputerName><Name>AUDIT-02</Name></AuditComputerName>'),
      auditUser: COMPONENT('Microsoft-Windows-Shell-Setup', '<RegisteredOwner>Audit Team</RegisteredOwner>') +
        COMPONENT('Microsoft-Windows-Deployment',
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
      await g.waitFor(/[#$] $/m, 120_000, at);
      g.type('sysprep /oobe /generalize /shutdown\n');
    });
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.equal(read(root, '/root/audituser-ran'), 'root\n', 'the auditUser command ran as root');
      const log = read(root, '/var/log/sysprep/panther/setupact.log');
      assert.match(log, /hostname: audit-02 \(AuditComputerName AUDIT-02\)/, 'auditSystem renamed the machine');
      assert.match(read(root, '/etc/group'), /^sudo:x:\d+:.*\bauditor\b/m, 'auditSystem created its account');
      assert.ok(verifies(shadowOf(root, 'auditor'), 'Audit-Pass1'));
      assert.match(read(root, '/var/lib/sysprep/state/Image.ini'), /^RegisteredOwner="Audit Team"$/m, 'auditUser recorded the owner');
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE/);
      assert.equal(read(root, '/etc/machine-id'), 'uninitialized\n');
    });
    await boot(img, (g) => loginAndPowerOff(g, 'root', 'R00t-Pass!'));
    withMountedImage(img.image, { readOnly: true }, (root) => {
      assert.match(read(root, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.match(read(root, '/etc/machine-id'), /^[0-9a-f]{32}\n$/);
    });
  });

  it('(e) kernel command line answer file, planned at boot; ExtendOSPartition on GPT, DeviceForm, RunAsynchronous, AutoLogon, FirstLogonCommands', async () => {
    const MiB = 1024 * 1024;
    const sealedAnswer = path.join(WORK_DIR, `unattend-e-${process.pid}.xml`);
    fs.writeFileSync(sealedAnswer, UNATTEND({ specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>SEALED-E</ComputerName>') }));
    cleanups.push(() => fs.rmSync(sealedAnswer, { force: true }));
    // the answer file the clone's kernel command line names: it wins over the sealed plan (SPEC 5)
    const cmdline = UNATTEND({
      specialize: COMPONENT('Microsoft-Windows-Shell-Setup', '<ComputerName>KIOSK-E</ComputerName><TimeZone>UTC</TimeZone>') + INTERNATIONAL +
        COMPONENT('Microsoft-Windows-Deployment', '<ExtendOSPartition><Extend>true</Extend></ExtendOSPartition><DeviceForm>3</DeviceForm>' +
          '<RunAsynchronous><RunAsynchronousCommand wcm:action="add"><Order>1</Order><Path>sleep 2; id -un &gt; /var/tmp/async-ran</Path>' +
          '<Description>warm the cache</Description></RunAsynchronousCommand></RunAsynchronous>'),
      oobeSystem: COMPONENT('Microsoft-Windows-Shell-Setup',
        '<UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>kiosk</Name><Group>Administrators</Group>' +
        '<Password><Value>Kiosk-Pass1</Value><PlainText>true</PlainText></Password></LocalAccount></LocalAccounts></UserAccounts>' +
        // two: the VGA console and the serial one both log kiosk on (they share the count)
        '<AutoLogon><Enabled>true</Enabled><Username>kiosk</Username><LogonCount>2</LogonCount></AutoLogon>' +
        '<FirstLogonCommands><SynchronousCommand wcm:action="add"><Order>1</Order><CommandLine>echo "$(id -un) first" &gt;&gt; /var/tmp/first-logon</CommandLine>' +
        '<Description>say hello</Description></SynchronousCommand></FirstLogonCommands>' +
        '<OOBE><HideEULAPage>true</HideEULAPage></OOBE>'),
    });
    const view = overlayRoot(usedRoot('bookworm'), 'fb-e');
    const dir = fs.mkdtempSync(path.join(WORK_DIR, 'fb-e-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const disk = path.join(dir, 'disk.raw');
    let rootMiB = 0;
    try {
      fs.writeFileSync(path.join(view.root, 'root/clone.xml'), cmdline);
      // the image's own partition editor: sfdisk, of Debian's fdisk package, with the readline it
      // links (minbase roots have neither; ordinary installs have both)
      const sfdisk = packageFile('fdisk', '/sbin/sfdisk');
      const readline = packageFile('libreadline8', '/lib/x86_64-linux-gnu/libreadline.so.8.2');
      assert.ok(sfdisk && readline, 'apt-get download fdisk libreadline8 (for the guest\'s sfdisk)');
      fs.writeFileSync(path.join(view.root, 'usr/sbin/sfdisk'), sfdisk, { mode: 0o755 });
      fs.writeFileSync(path.join(view.root, 'usr/lib/x86_64-linux-gnu/libreadline.so.8.2'), readline);
      fs.symlinkSync('libreadline.so.8.2', path.join(view.root, 'usr/lib/x86_64-linux-gnu/libreadline.so.8'));
      const r = sysprep(['--root', view.root, '/generalize', '/oobe', `/unattend:${sealedAnswer}`]);
      assert.equal(r.status, 0, r.stderr);
      const k = findKernel(view.root);
      fs.copyFileSync(k.kernel, path.join(dir, 'vmlinuz'));
      fs.copyFileSync(k.initrd, path.join(dir, 'initrd.img'));
      // GPT, one root partition just big enough, and 512 MiB of disk after it
      rootMiB = Math.ceil(Number(execFileSync('du', ['-sxm', view.root], { encoding: 'utf8' }).split('\t')[0]) * 1.25) + 300;
      execFileSync('truncate', ['-s', `${1 + rootMiB + 512}M`, disk]);
      execFileSync('sfdisk', ['-q', disk], { input: `label: gpt\nstart=1MiB, size=${rootMiB}MiB, type=linux\n` });
      execFileSync('mkfs.ext4', ['-q', '-F', '-L', 'root', '-d', view.root, '-E', `offset=${MiB}`, disk, `${rootMiB * 1024}k`]);
    } finally {
      view.dispose();
    }
    const guest = startImage({
      image: disk, kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img'), timeoutMs: BOOT_TIMEOUT,
      append: 'root=/dev/vda1 rw console=ttyS0 net.ifnames=0 panic=-1 loglevel=4 sysprep.unattend=/root/clone.xml',
    });
    try {
      // AutoLogon: kiosk is logged on without a password, on the serial console (and on tty1): the first of
      // the two logons runs the FirstLogonCommands
      await guest.waitFor(/kiosk \(automatic login\)/, BOOT_TIMEOUT);
      await guest.waitFor(/kiosk@kiosk-e:~\$ $/m, 120_000);
      guest.type("sleep 3; echo 'Kiosk-Pass1' | sudo -S poweroff\n");
      const res = await guest.done;
      assert.ok(res.exited, `the guest did not power off by itself:\n${tail(res.serial, 60)}`);
    } catch (err) {
      guest.kill();
      await guest.done;
      throw new Error(`${(err as Error).message}\n--- serial (last lines) ---\n${tail(guest.serial(), 80)}`);
    }
    const table = JSON.parse(execFileSync('sfdisk', ['-J', disk], { encoding: 'utf8' })).partitiontable;
    const part = table.partitions[0];
    assert.ok(part.size * 512 > (rootMiB + 500) * MiB, `the partition grew into the free space (${(part.size * 512) / MiB} MiB of ${rootMiB + 512})`);
    const mnt = fs.mkdtempSync(path.join(WORK_DIR, 'fb-e-mnt-'));
    execFileSync('mount', ['-o', `loop,ro,noload,offset=${part.start * 512},sizelimit=${part.size * 512}`, disk, mnt]);
    try {
      const df = fs.statfsSync(mnt);
      assert.ok(df.blocks * df.bsize > (rootMiB + 400) * MiB, `the file system grew with it (${(df.blocks * df.bsize) / MiB} MiB)`);
      assert.equal(read(mnt, '/etc/hostname'), 'kiosk-e\n', 'the kernel command line\'s answer file, not the sealed one');
      const log = read(mnt, '/var/log/sysprep/panther/setupact.log');
      assert.match(log, /the kernel command line names an answer file; planning again/);
      assert.match(log, /Planned at boot: specialize/);
      assert.match(log, /Planned at boot: oobe/);
      assert.match(log, /ExtendOSPartition: \/dev\/vda1 grown from/);
      assert.match(log, /AutoLogon: kiosk on tty(1|S0), 1 automatic logons left/);
      assert.match(log, /AutoLogon: the last automatic logon of kiosk, on tty(1|S0) \(LogonCount used up\)/);
      assert.equal(read(mnt, '/var/log/sysprep/panther/setuperr.log'), '');
      assert.match(read(mnt, '/etc/machine-info'), /^CHASSIS=desktop$/m);
      assert.equal(read(mnt, '/var/tmp/async-ran'), 'root\n', 'RunAsynchronous ran, as its own unit');
      assert.match(read(mnt, '/var/log/sysprep/panther/unattendgc/setupact.log'), /RunAsynchronous 1 started as sysprep-async-specialize-1\.service/);
      assert.equal(read(mnt, '/var/tmp/first-logon'), 'kiosk first\n', 'FirstLogonCommands ran once, though kiosk logged on at two consoles');
      assert.ok(!fs.existsSync(path.join(mnt, 'var/lib/sysprep/state/autologon')), 'LogonCount used up');
      assert.ok(!fs.existsSync(path.join(mnt, 'etc/systemd/system/serial-getty@ttyS0.service.d/sysprep-autologon.conf')), 'the next boot asks for a login');
      assert.match(read(mnt, '/var/lib/sysprep/state/State.ini'), /IMAGE_STATE_COMPLETE/);
      assert.ok(!read(mnt, '/var/lib/sysprep/unattend.xml').includes('Kiosk-Pass1'), 'the cache is scrubbed');
      assert.ok(!fs.existsSync(path.join(mnt, 'etc/systemd/system-preset/00-sysprep-first-boot.preset')));
      assert.equal(fs.lstatSync(path.join(mnt, 'etc/systemd/system/sockets.target.wants/ssh.socket'), { throwIfNoEntry: false }), undefined,
        "systemd's first-boot presets changed no unit");
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  });
});
