/**
 * `--image FILE`: a partitioned raw disk image (GPT: /boot and /) and its qcow2 conversion, made from
 * the used bookworm root. sysprep must find the root partition, mount /boot from the image's fstab,
 * generalize, and leave no mount and no loop device behind, whatever happens.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { withPartitionsMounted } from '../fixtures/disk-image.js';
import { CACHE_DIR, withLock } from '../fixtures/roots.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { sysprep } from '../harness/sysprep.js';

const MiB = 1024 * 1024;
const IMAGE_VERSION = 1;
let work: string;
let base: string;

/** Build (once, cached) a GPT image: p1 = /boot (ext4, 300 MiB), p2 = / (ext4), fstab by UUID. */
function partitionedImage(): string {
  const lower = usedRoot('bookworm');
  const file = path.join(CACHE_DIR, 'images', `${path.basename(lower)}-gpt-v${IMAGE_VERSION}.raw`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return withLock(file + '.lock', () => {
    if (fs.existsSync(file)) return file;
    const tmp = `${file}.tmp-${process.pid}`;
    const view = overlayRoot(lower, 'gpt');
    const bootDir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'boot-'));
    try {
      const bootUuid = '3f1c2a4e-0b1d-4c6e-9a55-0000000000b1';
      const rootUuid = '3f1c2a4e-0b1d-4c6e-9a55-0000000000a2';
      execFileSync('cp', ['-a', path.join(view.root, 'boot') + '/.', bootDir + '/']);
      fs.mkdirSync(path.join(bootDir, 'loader'), { recursive: true });
      fs.writeFileSync(path.join(bootDir, 'loader/random-seed'), Buffer.alloc(32, 7));
      for (const n of fs.readdirSync(path.join(view.root, 'boot'))) fs.rmSync(path.join(view.root, 'boot', n), { recursive: true });
      fs.writeFileSync(path.join(view.root, 'etc/fstab'), `UUID=${rootUuid} / ext4 errors=remount-ro 0 1\nUUID=${bootUuid} /boot ext4 defaults 0 2\n/dev/sr0 /media/cdrom0 udf,iso9660 user,noauto 0 0\n`);
      const rootMiB = Math.ceil(Number(execFileSync('du', ['-sxm', view.root], { encoding: 'utf8' }).split('\t')[0]) * 1.3) + 200;
      const bootStart = 1, bootMiB = 300, rootStart = bootStart + bootMiB;
      execFileSync('truncate', ['-s', `${rootStart + rootMiB + 1}M`, tmp]);
      execFileSync('sfdisk', ['-q', tmp], { input: `label: gpt\nstart=${bootStart}MiB, size=${bootMiB}MiB, type=linux\nstart=${rootStart}MiB, size=${rootMiB}MiB, type=linux\n` });
      execFileSync('mkfs.ext4', ['-q', '-F', '-U', bootUuid, '-L', 'boot', '-d', bootDir, '-E', `offset=${bootStart * MiB}`, tmp, `${bootMiB * 1024}k`]);
      execFileSync('mkfs.ext4', ['-q', '-F', '-U', rootUuid, '-L', 'root', '-d', view.root, '-E', `offset=${rootStart * MiB}`, tmp, `${rootMiB * 1024}k`]);
      fs.renameSync(tmp, file);
      return file;
    } finally {
      view.dispose();
      fs.rmSync(bootDir, { recursive: true, force: true });
      fs.rmSync(tmp, { force: true });
    }
  });
}

const loopsOf = (file: string) => execFileSync('losetup', ['-j', file], { encoding: 'utf8' }).trim();
const sysprepMounts = () => fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes('sysprep-image-'));

function sha256(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(4 * MiB);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Look inside a raw image read-only: p2 at a temp dir, p1 at its /boot. */
const inspect = <T>(file: string, fn: (root: string) => T): T => withPartitionsMounted(file, [[1, '/'], [0, '/boot']], fn);

before(() => {
  base = partitionedImage();
  work = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'image-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('--image on a partitioned raw image: root found, /boot mounted from fstab, generalized, all detached', () => {
  const img = path.join(work, 'disk.raw');
  execFileSync('cp', ['--sparse=always', base, img]);
  const r = sysprep(['--image', img, '/generalize', '/oobe', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.target, img);
  assert.equal(r.json.image, true);
  assert.deepEqual(r.json.imageMounts, [
    { mountpoint: '/', source: 'partition 2', fstype: 'ext4' },
    { mountpoint: '/boot', source: 'partition 1', fstype: 'ext4' },
  ]);
  assert.ok(r.json.changed.some((c: any) => c.path === '/boot/loader/random-seed'), 'the /boot partition was mounted and cleaned');
  assert.equal(loopsOf(img), '', 'loop device detached');
  assert.deepEqual(sysprepMounts(), [], 'nothing left mounted');
  inspect(img, (root) => {
    assert.match(fs.readFileSync(path.join(root, 'var/lib/sysprep/state/State.ini'), 'utf8'), /IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE/);
    assert.equal(fs.readFileSync(path.join(root, 'etc/machine-id'), 'utf8'), 'uninitialized\n');
    assert.equal(fs.existsSync(path.join(root, 'boot/loader/random-seed')), false);
    assert.ok(fs.readdirSync(path.join(root, 'boot')).some((n) => n.startsWith('vmlinuz-')), 'the kernel stays');
  });
  const st = sysprep(['state', '--image', img]);
  assert.equal(st.stdout, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE\n');
  assert.equal(loopsOf(img), '');
});

test('--image --dry-run leaves the image bit for bit', () => {
  const img = path.join(work, 'dry.raw');
  execFileSync('cp', ['--sparse=always', base, img]);
  const before = sha256(img);
  const r = sysprep(['--image', img, '/generalize', '--dry-run', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.json.changed.length > 50);
  assert.equal(sha256(img), before);
  assert.equal(loopsOf(img), '');
  fs.rmSync(img);
});

test('--image on a qcow2 image: converted, generalized, converted back', () => {
  const img = path.join(work, 'disk.qcow2');
  execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', base, img]);
  const r = sysprep(['--image', img, '/generalize', '/audit', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.stateAfter, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT');
  assert.match(execFileSync('qemu-img', ['info', img], { encoding: 'utf8' }), /file format: qcow2/);
  assert.deepEqual(fs.readdirSync(work).filter((n) => n.includes('sysprep')), [], 'no temporary raw file left');
  assert.equal(sysprep(['state', '--image', img]).stdout, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT\n');
  fs.rmSync(img);
});

test('verify --image on a qcow2 image: the machine found across its partitions without a byte changed; the seal of the image verified clean', () => {
  const img = path.join(work, 'verify.qcow2');
  execFileSync('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', base, img]);
  const rec = sysprep(['verify', '--record', '--image', img]);
  assert.equal(rec.status, 0, rec.stderr);
  const before = sha256(img);
  const r = sysprep(['verify', '--image', img, '--json']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(sha256(img), before, 'a verify changes no byte of the image');
  const found = (r.json.findings as { path: string; rule: string }[]).map((f) => `${f.path} ${f.rule}`);
  for (const want of ['/etc/machine-id machine-id', '/etc/hostname host-name', '/var/log/syslog host-name', '/etc/ssh/ssh_host_ed25519_key.pub ssh-host-key:ed25519']) {
    assert.ok(found.includes(want), `${want} in\n${found.join('\n')}`);
  }
  assert.ok(r.json.files > 10000, `${r.json.files} files: both partitions`);
  assert.equal(loopsOf(img), '');
  assert.deepEqual(sysprepMounts(), []);
  const sealed = sysprep(['--image', img, '/generalize', '/oobe', '--verify', 'warn', '--json']);
  assert.equal(sealed.status, 0, sealed.stderr);
  assert.deepEqual(sealed.json.verify.findings.map((f: { path: string; rule: string }) => `${f.path} ${f.rule}`), []);
  assert.equal(sealed.json.verify.verdict, 'verified: clean');
  fs.rmSync(img);
});

test('--image errors: no OS root (exit 3), /reboot (exit 2), missing file (exit 2); nothing left attached', () => {
  const blank = path.join(work, 'blank.raw');
  execFileSync('truncate', ['-s', '64M', blank]);
  execFileSync('mkfs.ext4', ['-q', '-F', blank]);
  const before = sha256(blank);
  const r = sysprep(['--image', blank, '/generalize']);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /none of its 1 file systems is an OS root/);
  assert.equal(loopsOf(blank), '');
  assert.equal(sha256(blank), before);
  const reboot = sysprep(['--image', blank, '/generalize', '/reboot']);
  assert.equal(reboot.status, 2);
  assert.match(reboot.stderr, /\/reboot works only on the running system/);
  const missing = sysprep(['--image', path.join(work, 'nope.raw'), '/generalize']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file/);
  assert.deepEqual(sysprepMounts(), []);
});
