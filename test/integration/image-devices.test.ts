/**
 * The device phase of `--image` (issue 16): a GPT image of the used bookworm root whose boot goes
 * entirely by identifiers — /boot (ext4) mounted by PARTUUID=, swap and / by UUID=, root=UUID= and
 * resume=UUID= on the kernel command line of grub.cfg, RESUME= in the initramfs — sealed with
 * `--providers defaults,fs-uuids,part-uuids`. Its ids must all be new, nothing in the image (the
 * initramfs included) may name an old one, and the clone must boot in QEMU with the command line its
 * grub.cfg gives (one boot, several checks). Then the same on small xfs, btrfs and vfat file systems,
 * and the refusals.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { withPartitionsMounted } from '../fixtures/disk-image.js';
import { CACHE_DIR, withLock } from '../fixtures/roots.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { startImage, tail } from '../harness/qemu.js';
import { sysprep, type Result } from '../harness/sysprep.js';
import { partitionLayout } from '../../src/image/disk-image.js';

const MiB = 1024 * 1024;
const IMAGE_VERSION = 1;
const BOOT_TIMEOUT = Number(process.env.SYSPREP_TEST_BOOT_TIMEOUT ?? 600) * 1000;
const OLD = {
  boot: '5a1c2a4e-0b1d-4c6e-9a55-0000000000b1',
  swap: '5a1c2a4e-0b1d-4c6e-9a55-0000000000c3',
  root: '5a1c2a4e-0b1d-4c6e-9a55-0000000000a2',
  bootPart: '6b2d3b5f-1c2e-4d7f-8b66-0000000000b1',
  swapPart: '6b2d3b5f-1c2e-4d7f-8b66-0000000000c3',
  rootPart: '6b2d3b5f-1c2e-4d7f-8b66-0000000000a2',
  disk: '7C3E4C60-2D3F-4E80-9C77-0000000000D0',
};
const MARK = 'DEVICE-PROOF';
let work: string;
let image: string;
let sealed: Result;

/** GPT: p1 /boot (ext4, by PARTUUID), p2 swap, p3 / (ext4); grub.cfg boots root=UUID= resume=UUID=. */
function golden(): string {
  const lower = usedRoot('bookworm');
  const file = path.join(CACHE_DIR, 'images', `${path.basename(lower)}-devices-v${IMAGE_VERSION}.raw`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return withLock(file + '.lock', () => {
    if (fs.existsSync(file)) return file;
    const tmp = `${file}.tmp-${process.pid}`;
    const view = overlayRoot(lower, 'devices');
    const bootDir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'devices-boot-'));
    try {
      const r = view.root;
      const version = fs.readdirSync(path.join(r, 'boot')).find((n) => n.startsWith('vmlinuz-'))!.slice('vmlinuz-'.length);
      fs.writeFileSync(path.join(r, 'etc/fstab'),
        `UUID=${OLD.root} / ext4 errors=remount-ro 0 1\nPARTUUID=${OLD.bootPart} /boot ext4 defaults 0 2\nUUID=${OLD.swap} none swap sw 0 0\n`);
      fs.mkdirSync(path.join(r, 'etc/initramfs-tools/conf.d'), { recursive: true });
      fs.writeFileSync(path.join(r, 'etc/initramfs-tools/conf.d/resume'), `RESUME=UUID=${OLD.swap}\n`);
      fs.writeFileSync(path.join(r, 'etc/default/grub'), `GRUB_DEFAULT=0\nGRUB_TIMEOUT=1\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="resume=UUID=${OLD.swap}"\n`);
      fs.mkdirSync(path.join(r, 'boot/grub'), { recursive: true });
      fs.writeFileSync(path.join(r, 'boot/grub/grub.cfg'),
        `set timeout=1\nmenuentry 'Debian GNU/Linux' {\n\tinsmod part_gpt\n\tinsmod ext2\n\tsearch --no-floppy --fs-uuid --set=root ${OLD.boot}\n` +
        `\tlinux\t/vmlinuz-${version} root=UUID=${OLD.root} ro resume=UUID=${OLD.swap} loglevel=4\n\tinitrd\t/initrd.img-${version}\n}\n`);
      // the proof, on the serial console once local file systems and swap are up
      fs.writeFileSync(path.join(r, 'usr/local/sbin/device-proof'),
        `#!/bin/sh\necho "${MARK} root=$(findmnt -no SOURCE /) boot=$(findmnt -no SOURCE /boot) swap=$(swapon --noheadings --show=NAME) cmdline=$(cat /proc/cmdline)"\n` +
        `blkid | sed "s/^/${MARK}-BLKID /"\necho "${MARK}-END"\n`, { mode: 0o755 });
      fs.writeFileSync(path.join(r, 'etc/systemd/system/device-proof.service'),
        '[Unit]\nDefaultDependencies=no\nAfter=local-fs.target swap.target\n\n[Service]\nType=oneshot\nExecStart=/usr/local/sbin/device-proof\n' +
        'StandardOutput=tty\nTTYPath=/dev/ttyS0\n\n[Install]\nWantedBy=sysinit.target\n');
      fs.mkdirSync(path.join(r, 'etc/systemd/system/sysinit.target.wants'), { recursive: true });
      fs.symlinkSync('/etc/systemd/system/device-proof.service', path.join(r, 'etc/systemd/system/sysinit.target.wants/device-proof.service'));
      // the initramfs carries RESUME= of the old swap, as update-initramfs in the golden machine made it
      const u = spawnSync('chroot', [r, 'update-initramfs', '-u', '-k', version], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
      assert.equal(u.status, 0, `${u.stdout}${u.stderr}`);
      execFileSync('cp', ['-a', path.join(r, 'boot') + '/.', bootDir + '/']);
      for (const n of fs.readdirSync(path.join(r, 'boot'))) fs.rmSync(path.join(r, 'boot', n), { recursive: true });
      const rootMiB = Math.ceil(Number(execFileSync('du', ['-sxm', r], { encoding: 'utf8' }).split('\t')[0]) * 1.3) + 200;
      const bootMiB = 200, swapMiB = 64;
      execFileSync('truncate', ['-s', `${1 + bootMiB + swapMiB + rootMiB + 1}M`, tmp]);
      execFileSync('sfdisk', ['-q', tmp], {
        input: `label: gpt\nlabel-id: ${OLD.disk}\nstart=1MiB, size=${bootMiB}MiB, type=linux, uuid=${OLD.bootPart}\n` +
          `size=${swapMiB}MiB, type=swap, uuid=${OLD.swapPart}\nsize=${rootMiB}MiB, type=linux, uuid=${OLD.rootPart}\n`,
      });
      const [p1, p2, p3] = partitionLayout(tmp);
      execFileSync('mkfs.ext4', ['-q', '-F', '-U', OLD.boot, '-L', 'boot', '-d', bootDir, '-E', `offset=${p1!.offset}`, tmp, `${p1!.size / 1024}k`]);
      execFileSync('mkfs.ext4', ['-q', '-F', '-U', OLD.root, '-L', 'root', '-d', r, '-E', `offset=${p3!.offset}`, tmp, `${p3!.size / 1024}k`]);
      const loop = execFileSync('losetup', ['--find', '--show', '--offset', String(p2!.offset), '--sizelimit', String(p2!.size), tmp], { encoding: 'utf8' }).trim();
      try {
        execFileSync('mkswap', ['-q', '-U', OLD.swap, loop]);
      } finally {
        spawnSync('losetup', ['--detach', loop]);
      }
      fs.renameSync(tmp, file);
      return file;
    } finally {
      view.dispose();
      fs.rmSync(bootDir, { recursive: true, force: true });
      fs.rmSync(tmp, { force: true });
    }
  });
}

/** blkid of each partition of a raw image (read-only loop devices), and the table's ids. */
function ids(file: string): { parts: { uuid?: string; partuuid?: string; type?: string }[]; disk: string } {
  const table = JSON.parse(execFileSync('sfdisk', ['-J', file], { encoding: 'utf8' })).partitiontable;
  const parts = partitionLayout(file).map((p, i) => {
    const loop = execFileSync('losetup', ['--find', '--show', '--read-only', '--offset', String(p.offset), '--sizelimit', String(p.size), file], { encoding: 'utf8' }).trim();
    try {
      const uuid = spawnSync('blkid', ['-p', '-o', 'value', '-s', 'UUID', loop], { encoding: 'utf8' }).stdout.trim();
      const type = spawnSync('blkid', ['-p', '-o', 'value', '-s', 'TYPE', loop], { encoding: 'utf8' }).stdout.trim();
      return { uuid, type, partuuid: table.partitions[i].uuid as string };
    } finally {
      spawnSync('losetup', ['--detach', loop]);
    }
  });
  return { parts, disk: table.id };
}

/** Mount the sealed image's / (p3) and /boot (p1) read-only and call fn with the root. */
const inspect = <T>(file: string, fn: (root: string) => T): T => withPartitionsMounted(file, [[2, '/'], [0, '/boot']], fn);

const olds = () => [OLD.boot, OLD.swap, OLD.root, OLD.bootPart, OLD.swapPart, OLD.rootPart, OLD.disk];
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const loopsOf = (file: string) => execFileSync('losetup', ['-j', file], { encoding: 'utf8' }).trim();

before(() => {
  const base = golden();
  work = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'image-devices-'));
  image = path.join(work, 'disk.raw');
  execFileSync('cp', ['--sparse=always', base, image]);
  const was = ids(image);
  assert.deepEqual(was.parts.map((p) => p.uuid), [OLD.boot, OLD.swap, OLD.root], 'the golden image has the ids it was made with');
  sealed = sysprep(['--image', image, '/generalize', '/oobe', '--providers', 'defaults,fs-uuids,part-uuids', '--json'], { timeout: 900_000 });
  assert.equal(sealed.status, 0, `${sealed.stderr}\n${sealed.stdout.slice(0, 3000)}`);
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('fs-uuids, part-uuids: every file system, partition and the disk have new ids, as the report says', () => {
  const now = ids(image);
  const devices = sealed.json.devices as { operation: string; kind: string; source: string; old: string; new: string }[];
  const byOld = new Map(devices.map((d) => [d.old.toLowerCase(), d]));
  assert.deepEqual(now.parts.map((p) => p.type), ['ext4', 'swap', 'ext4']);
  [OLD.boot, OLD.swap, OLD.root].forEach((old, i) => {
    assert.notEqual(now.parts[i]!.uuid, old);
    assert.equal(byOld.get(old)?.new, now.parts[i]!.uuid, `the report names the new UUID of ${old}`);
    assert.equal(byOld.get(old)?.operation, 'fs-uuids');
  });
  [OLD.bootPart, OLD.swapPart, OLD.rootPart].forEach((old, i) => {
    assert.notEqual(now.parts[i]!.partuuid?.toLowerCase(), old);
    assert.equal(byOld.get(old)?.new.toLowerCase(), now.parts[i]!.partuuid?.toLowerCase());
  });
  assert.notEqual(now.disk.toLowerCase(), OLD.disk.toLowerCase());
  assert.equal(byOld.get(OLD.disk.toLowerCase())?.new.toLowerCase(), now.disk.toLowerCase());
  assert.equal(loopsOf(image), '', 'nothing left attached');
  const log = sealed.json.log.map((l: { message: string }) => l.message).join('\n');
  for (const old of olds()) assert.ok(!log.toLowerCase().includes(old.toLowerCase()), `the log (kept in the image) does not name ${old}`);
});

test('nothing in the sealed image names an old id: files of / and /boot, and inside the initramfs', () => {
  const now = ids(image);
  inspect(image, (root) => {
    const hits = spawnSync('grep', ['-rIil', '-D', 'skip', ...olds().flatMap((o) => ['-e', o]), root], { encoding: 'utf8' });
    assert.equal(hits.stdout.trim(), '', `files naming an old id:\n${hits.stdout}`);
    const fstab = fs.readFileSync(path.join(root, 'etc/fstab'), 'utf8');
    assert.match(fstab, new RegExp(`^UUID=${now.parts[2]!.uuid} / ext4`, 'm'));
    assert.match(fstab, new RegExp(`^PARTUUID=${now.parts[0]!.partuuid!.toLowerCase()} /boot ext4`, 'mi'));
    assert.match(fstab, new RegExp(`^UUID=${now.parts[1]!.uuid} none swap`, 'm'));
    const grub = fs.readFileSync(path.join(root, 'boot/grub/grub.cfg'), 'utf8');
    assert.match(grub, new RegExp(`--set=root ${now.parts[0]!.uuid}`));
    assert.match(grub, new RegExp(`root=UUID=${now.parts[2]!.uuid} ro resume=UUID=${now.parts[1]!.uuid}`));
    assert.match(fs.readFileSync(path.join(root, 'etc/default/grub'), 'utf8'), new RegExp(`resume=UUID=${now.parts[1]!.uuid}`));
    assert.equal(fs.readFileSync(path.join(root, 'etc/initramfs-tools/conf.d/resume'), 'utf8'), `RESUME=UUID=${now.parts[1]!.uuid}\n`);
    // the initramfs was made again: its RESUME names the new swap
    const initrd = fs.readdirSync(path.join(root, 'boot')).find((n) => n.startsWith('initrd.img-'))!;
    const unpacked = fs.mkdtempSync(path.join(work, 'initrd-'));
    execFileSync('unmkinitramfs', [path.join(root, 'boot', initrd), unpacked]);
    const inside = spawnSync('grep', ['-rIh', 'RESUME', unpacked], { encoding: 'utf8' }).stdout;
    assert.match(inside, new RegExp(`RESUME=UUID=${now.parts[1]!.uuid}`), 'the initramfs resumes from the new swap');
    const stale = spawnSync('grep', ['-rIil', '-D', 'skip', ...olds().flatMap((o) => ['-e', o]), unpacked], { encoding: 'utf8' }).stdout.trim();
    assert.equal(stale, '', `the initramfs names an old id in:\n${stale}`);
    const changed = sealed.json.changed.filter((c: { by: string }) => ['fs-uuids', 'part-uuids'].includes(c.by)).map((c: { path: string }) => c.path);
    for (const p of ['/etc/fstab', '/boot/grub/grub.cfg', '/etc/default/grub', '/etc/initramfs-tools/conf.d/resume', `/boot/${initrd}`]) {
      assert.ok(changed.includes(p), `${p} is in the report as the device phase's (${changed.join(', ')})`);
    }
  });
});

test('the clone boots in QEMU with its grub.cfg command line: / by the new UUID, /boot by the new PARTUUID, the new swap on', async () => {
  const now = ids(image);
  const dir = fs.mkdtempSync(path.join(work, 'kernel-'));
  const { kernel, initrd, args } = inspect(image, (root) => {
    const grub = fs.readFileSync(path.join(root, 'boot/grub/grub.cfg'), 'utf8');
    const [, k, a] = /^\s*linux\s+(\S+)\s+(.*)$/m.exec(grub)!;
    const [, i] = /^\s*initrd\s+(\S+)/m.exec(grub)!;
    fs.copyFileSync(path.join(root, 'boot', k!), path.join(dir, 'vmlinuz'));
    fs.copyFileSync(path.join(root, 'boot', i!), path.join(dir, 'initrd'));
    return { kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd'), args: a!.trim() };
  });
  assert.match(args, new RegExp(`root=UUID=${now.parts[2]!.uuid}`));
  const guest = startImage({ image, kernel, initrd, append: `${args} console=ttyS0 net.ifnames=0 panic=-1`, timeoutMs: BOOT_TIMEOUT });
  try {
    await guest.waitFor(new RegExp(`${MARK}-END`), BOOT_TIMEOUT);
    const serial = guest.serial();
    const line = new RegExp(`${MARK} root=(\\S*) boot=(\\S*) swap=(\\S*) cmdline=(.*)`).exec(serial);
    assert.ok(line, `the proof line:\n${tail(serial, 60)}`);
    assert.equal(line![1], '/dev/vda3', '/ mounted');
    assert.equal(line![2], '/dev/vda1', '/boot mounted by its new PARTUUID');
    assert.equal(line![3], '/dev/vda2', 'the swap, by its new UUID, is on');
    assert.match(line![4]!, new RegExp(`root=UUID=${now.parts[2]!.uuid}`));
    const blkid = serial.split('\n').filter((l) => l.startsWith(`${MARK}-BLKID`)).join('\n');
    for (const p of now.parts) assert.ok(blkid.includes(`UUID="${p.uuid}"`), `the guest sees ${p.uuid}:\n${blkid}`);
    for (const old of [OLD.boot, OLD.swap, OLD.root]) assert.ok(!blkid.includes(old), `the guest sees no ${old}`);
    assert.doesNotMatch(serial, /Gave up waiting for (suspend\/resume|root) device/);
  } finally {
    guest.kill();
    const r = await guest.done;
    process.stderr.write(`# device-phase boot: ${r.seconds} s\n`);
  }
});

test('device operations are refused with --root and without /generalize (exit 2); a dry run lists them and changes no byte', () => {
  const root = overlayRoot(usedRoot('bookworm'), 'devices-refused');
  try {
    const r = sysprep(['--root', root.root, '/generalize', '--providers', 'defaults,fs-uuids']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--providers fs-uuids: a device operation, for disk images only: use --image FILE/);
    // defaults (which hold lvm-uuids) with --root: nothing to refuse
    assert.equal(sysprep(['--root', root.root, '/generalize', '--providers', 'defaults', '--dry-run']).status, 0);
  } finally {
    root.dispose();
  }
  const img = path.join(work, 'dry.raw');
  execFileSync('cp', ['--sparse=always', golden(), img]);
  const noGen = sysprep(['--image', img, '--providers', 'part-uuids']);
  assert.equal(noGen.status, 2);
  assert.match(noGen.stderr, /a device operation of \/generalize: add \/generalize/);
  const before = sha256(img);
  const dry = sysprep(['--image', img, '/generalize', '--providers', 'defaults,fs-uuids,part-uuids', '--dry-run', '--json']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(sha256(img), before, 'a dry run changes no byte');
  assert.deepEqual(dry.json.devices.filter((d: { operation: string }) => d.operation === 'fs-uuids').map((d: { old: string }) => d.old), [OLD.boot, OLD.swap, OLD.root]);
  assert.ok(dry.json.changed.some((c: { path: string; by: string }) => c.path === '/etc/fstab' && c.by === 'fs-uuids'), 'the fstab it would rewrite is listed');
  assert.equal(loopsOf(img), '');
  fs.rmSync(img);
});

test('fs-uuids and part-uuids on a qcow2 image of xfs (the root), btrfs (/srv) and vfat (an ESP, not mounted): new ids, fstab and the ESP\'s grub.cfg rewritten', () => {
  // a small root holding just enough to be an OS root, on xfs; no agent copied in
  const img = path.join(work, 'small.raw');
  execFileSync('truncate', ['-s', '500M', img]);
  execFileSync('sfdisk', ['-q', img], { input: 'label: gpt\nstart=1MiB, size=320MiB, type=linux\nsize=120MiB, type=linux\nsize=40MiB, type=uefi\n' });
  const [p1, p2, p3] = partitionLayout(img);
  const loopOf = (p: { offset: number; size: number }) => execFileSync('losetup', ['--find', '--show', '--offset', String(p.offset), '--sizelimit', String(p.size), img], { encoding: 'utf8' }).trim();
  const [l1, l2, l3] = [loopOf(p1!), loopOf(p2!), loopOf(p3!)];
  const old = { xfs: '1e0b5a6c-0000-4000-8000-00000000000a', btrfs: '1e0b5a6c-0000-4000-8000-00000000000b', vfat: '12AB-34CD' };
  const mnt = fs.mkdtempSync(path.join(work, 'small-'));
  try {
    execFileSync('mkfs.xfs', ['-q', '-f', '-m', `uuid=${old.xfs}`, l1]);
    execFileSync('mkfs.btrfs', ['-q', '-f', '-U', old.btrfs, l2]);
    execFileSync('mkfs.vfat', ['-F', '32', '-i', old.vfat.replace('-', ''), l3]);
    // the ESP's grub.cfg stub, as grub-install writes it: it finds / by its UUID
    const stub = path.join(work, 'stub.cfg');
    fs.writeFileSync(stub, `search.fs_uuid ${old.xfs} root hd0,gpt1\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n`);
    execFileSync('mmd', ['-i', l3!, '::/EFI', '::/EFI/debian'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    execFileSync('mcopy', ['-i', l3!, stub, '::/EFI/debian/grub.cfg'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
    execFileSync('mount', [l1, mnt]);
    try {
      for (const d of ['etc/systemd/system', 'usr/bin', 'usr/sbin', 'usr/lib/systemd/system', 'var/lib', 'srv', 'boot/efi', 'tmp', 'root']) fs.mkdirSync(path.join(mnt, d), { recursive: true });
      fs.writeFileSync(path.join(mnt, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
      fs.writeFileSync(path.join(mnt, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
      fs.writeFileSync(path.join(mnt, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
      // what the seal's check of the first-boot agent looks for (this root is never booted)
      for (const f of ['lib64/ld-linux-x86-64.so.2', 'usr/lib/x86_64-linux-gnu/libstdc++.so.6', 'bin/bash']) {
        fs.mkdirSync(path.dirname(path.join(mnt, f)), { recursive: true });
        fs.writeFileSync(path.join(mnt, f), '');
      }
      fs.writeFileSync(path.join(mnt, 'etc/fstab'),
        `UUID=${old.xfs} / xfs defaults 0 1\nUUID=${old.btrfs} /srv btrfs defaults 0 2\nUUID=${old.vfat} /boot/efi vfat umask=0077,noauto 0 1\n`);
    } finally {
      execFileSync('umount', [mnt]);
    }
  } finally {
    for (const l of [l1, l2, l3]) spawnSync('losetup', ['--detach', l!]);
  }
  // as qcow2: the device phase works on the temporary raw conversion, which is converted back
  const tablePartuuids = JSON.parse(execFileSync('sfdisk', ['-J', img], { encoding: 'utf8' })).partitiontable.partitions.map((p: { uuid: string }) => p.uuid);
  const qcow2 = path.join(work, 'small.qcow2');
  execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', img, qcow2]);
  const r = sysprep(['--image', qcow2, '/generalize', '/oobe', '--agent', 'none', '--providers', 'defaults,fs-uuids,part-uuids', '--json']);
  assert.equal(r.status, 0, `${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  assert.match(execFileSync('qemu-img', ['info', qcow2], { encoding: 'utf8' }), /file format: qcow2/);
  execFileSync('qemu-img', ['convert', '-q', '-f', 'qcow2', '-O', 'raw', qcow2, img]);
  const partuuidsNow = JSON.parse(execFileSync('sfdisk', ['-J', img], { encoding: 'utf8' })).partitiontable.partitions.map((p: { uuid: string }) => p.uuid);
  partuuidsNow.forEach((u: string, i: number) => assert.notEqual(u, tablePartuuids[i], `partition ${i + 1} has a new GUID`));
  const now = ids(img).parts.map((p) => p.uuid!);
  assert.deepEqual(ids(img).parts.map((p) => p.type), ['xfs', 'btrfs', 'vfat']);
  [old.xfs, old.btrfs, old.vfat].forEach((o, i) => {
    assert.notEqual(now[i], o);
    assert.equal(r.json.devices.find((d: { old: string }) => d.old === o)?.new, now[i], `the report names ${now[i]}`);
  });
  assert.match(now[2]!, /^[0-9A-F]{4}-[0-9A-F]{4}$/);
  // the ESP was not mounted (noauto; this kernel may lack vfat): its stub was rewritten through mtools
  const esp = execFileSync('mtype', ['-i', `${img}@@${p3!.offset}`, '::/EFI/debian/grub.cfg'], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  assert.equal(esp, `search.fs_uuid ${now[0]} root hd0,gpt1\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n`);
  assert.ok(r.json.changed.some((c: { path: string; by: string }) => c.path === '/boot/efi/EFI/debian/grub.cfg' && c.by === 'fs-uuids'), 'the ESP file is in the report');
  // FAT32 keeps a backup boot sector: its volume id is the new one too (fsck.vfat would complain otherwise)
  const fsck = spawnSync('fsck.vfat', ['-n', '--offset', String(p3!.offset), img], { encoding: 'utf8' });
  assert.doesNotMatch(`${fsck.stdout}${fsck.stderr}`, /differences between boot sector and its backup/i);
  const l = execFileSync('losetup', ['--find', '--show', '--read-only', '--offset', String(p1!.offset), '--sizelimit', String(p1!.size), img], { encoding: 'utf8' }).trim();
  try {
    execFileSync('mount', ['-o', 'ro,norecovery', l, mnt]);
    try {
      assert.equal(fs.readFileSync(path.join(mnt, 'etc/fstab'), 'utf8'),
        `UUID=${now[0]} / xfs defaults 0 1\nUUID=${now[1]} /srv btrfs defaults 0 2\nUUID=${now[2]} /boot/efi vfat umask=0077,noauto 0 1\n`);
    } finally {
      execFileSync('umount', [mnt]);
    }
  } finally {
    spawnSync('losetup', ['--detach', l]);
  }
  assert.equal(loopsOf(img), '');
  assert.deepEqual(fs.readdirSync(work).filter((n) => n.includes('sysprep')), [], 'no temporary raw file left');
});
