/**
 * `--image` with LVM inside, the layout of RHEL-family and Ubuntu server images: a GPT disk whose
 * partition is an LVM PV with the root and /var/log as logical volumes (fstab by /dev/VG/LV and
 * /dev/mapper/VG-LV names). The image is made with the real LVM tools (metadata only: this machine
 * has no device-mapper, which is also why sysprep reads the metadata itself); sysprep must find the
 * root volume, mount /var/log from fstab, generalize, and leave the LVM metadata byte for byte.
 * A root volume whose extents are split, and a LUKS partition, get a message saying what to do.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CACHE_DIR, withLock } from '../fixtures/roots.js';
import { overlayRoot, usedRoot } from '../fixtures/used-root.js';
import { sysprep } from '../harness/sysprep.js';
import { partitionLayout } from '../../src/image/disk-image.js';

const MiB = 1024 * 1024;
const IMAGE_VERSION = 1;
// no backups or archives in the host's /etc/lvm, no monitoring daemon: the fixture is the image alone
const LVM_CONFIG = 'backup { backup = 0 archive = 0 } activation { monitoring = 0 } devices { use_devicesfile = 0 }';

let work: string;

function attach(file: string, offset: number, size: number, readOnly = false): string {
  return execFileSync('losetup', ['--find', '--show', ...(readOnly ? ['--read-only'] : []), '--offset', String(offset), '--sizelimit', String(size), file],
    { encoding: 'utf8' }).trim();
}
const detach = (loop: string) => void spawnSync('losetup', ['--detach', loop]);

/** An LVM command on metadata only (--driverloaded n), seeing no device but `pv`. */
function lvm(pv: string, command: string, ...args: string[]): string {
  return execFileSync('lvm', [command, '--driverloaded', 'n', '--devices', pv, '--config', LVM_CONFIG, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Byte ranges of a VG's volumes, as LVM itself reports them (seg_pe_ranges, pe_start, extent size). */
function volumeRanges(pv: string, vg: string): Map<string, { offset: number; size: number }> {
  const peStart = Number(lvm(pv, 'pvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'pe_start', pv).trim());
  const extent = Number(lvm(pv, 'vgs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'vg_extent_size', vg).trim());
  const out = new Map<string, { offset: number; size: number }>();
  for (const line of lvm(pv, 'lvs', '--noheadings', '-o', 'lv_name,seg_pe_ranges', vg).trim().split('\n')) {
    const [name, ranges] = line.trim().split(/\s+/);
    const [first, last] = ranges!.split(':')[1]!.split('-').map(Number);
    out.set(name!, { offset: peStart + first! * extent, size: (last! - first! + 1) * extent });
  }
  return out;
}

/** GPT: p1 = LVM PV of VG "sysvg": swap (first, so root does not start at extent 0), root, var-log. */
function lvmImage(): string {
  const lower = usedRoot('bookworm');
  const file = path.join(CACHE_DIR, 'images', `${path.basename(lower)}-lvm-v${IMAGE_VERSION}.raw`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return withLock(file + '.lock', () => {
    if (fs.existsSync(file)) return file;
    const tmp = `${file}.tmp-${process.pid}`;
    const view = overlayRoot(lower, 'lvm');
    const logDir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'lvm-log-'));
    let pv: string | undefined;
    try {
      execFileSync('cp', ['-a', path.join(view.root, 'var/log') + '/.', logDir + '/']);
      fs.writeFileSync(path.join(logDir, 'planted.log'), 'a log of the golden machine\n');
      for (const n of fs.readdirSync(path.join(view.root, 'var/log'))) fs.rmSync(path.join(view.root, 'var/log', n), { recursive: true });
      fs.writeFileSync(path.join(view.root, 'etc/fstab'),
        '/dev/sysvg/root / ext4 errors=remount-ro 0 1\n/dev/mapper/sysvg-var--log /var/log ext4 defaults 0 2\n/dev/mapper/sysvg-swap none swap sw 0 0\n');
      const rootMiB = Math.ceil(Number(execFileSync('du', ['-sxm', view.root], { encoding: 'utf8' }).split('\t')[0]) * 1.3) + 200;
      const logMiB = 64, swapMiB = 32, diskMiB = 1 + rootMiB + logMiB + swapMiB + 16;
      execFileSync('truncate', ['-s', `${diskMiB + 1}M`, tmp]);
      execFileSync('sfdisk', ['-q', tmp], { input: 'label: gpt\nstart=1MiB, type=lvm\n' });
      const [part] = partitionLayout(tmp);
      pv = attach(tmp, part!.offset, part!.size);
      lvm(pv, 'pvcreate', '-q', pv);
      lvm(pv, 'vgcreate', '-q', 'sysvg', pv);
      lvm(pv, 'lvcreate', '-q', '-an', '-Zn', '-L', `${swapMiB}M`, '-n', 'swap', 'sysvg');
      lvm(pv, 'lvcreate', '-q', '-an', '-Zn', '-L', `${rootMiB}M`, '-n', 'root', 'sysvg');
      lvm(pv, 'lvcreate', '-q', '-an', '-Zn', '-L', `${logMiB}M`, '-n', 'var-log', 'sysvg');
      const ranges = volumeRanges(pv, 'sysvg');
      const root = ranges.get('root')!, log = ranges.get('var-log')!;
      assert.ok(root.offset > 0 && log.offset > root.offset);
      const mkfs = (dir: string, r: { offset: number; size: number }, label: string) => execFileSync('mkfs.ext4',
        ['-q', '-F', '-L', label, '-d', dir, '-E', `offset=${part!.offset + r.offset}`, tmp, `${r.size / 1024}k`]);
      mkfs(view.root, root, 'root');
      mkfs(logDir, log, 'log');
      detach(pv);
      pv = undefined;
      fs.renameSync(tmp, file);
      return file;
    } finally {
      if (pv) detach(pv);
      view.dispose();
      fs.rmSync(logDir, { recursive: true, force: true });
      fs.rmSync(tmp, { force: true });
    }
  });
}

function sha256Range(file: string, offset: number, length: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, offset);
    return createHash('sha256').update(buf).digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/** Look at a volume of the image read-only, found by LVM's own report. */
function inspectVolume<T>(file: string, name: string, fn: (dir: string) => T): T {
  const [part] = partitionLayout(file);
  const pv = attach(file, part!.offset, part!.size, true);
  let range: { offset: number; size: number };
  try {
    range = volumeRanges(pv, 'sysvg').get(name)!;
  } finally {
    detach(pv);
  }
  const loop = attach(file, part!.offset + range.offset, range.size, true);
  const dir = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'inspect-lv-'));
  try {
    execFileSync('mount', ['-o', 'ro,noload', loop, dir]);
    try {
      return fn(dir);
    } finally {
      spawnSync('umount', [dir]);
    }
  } finally {
    detach(loop);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const loopsOf = (file: string) => execFileSync('losetup', ['-j', file], { encoding: 'utf8' }).trim();
const sysprepMounts = () => fs.readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.includes('sysprep-image-'));

before(() => {
  work = fs.mkdtempSync(path.join(CACHE_DIR, 'work', 'image-lvm-'));
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('--image with LVM: the root volume found, /var/log mounted from its /dev/mapper name, generalized, metadata untouched without lvm-uuids', () => {
  const image = path.join(work, 'lvm.raw');
  execFileSync('cp', ['--sparse=always', lvmImage(), image]);
  const [part] = partitionLayout(image);
  const metadata = sha256Range(image, part!.offset, MiB); // label and metadata area
  const r = sysprep(['--image', image, '/generalize', '/oobe', '--providers', 'defaults,-lvm-uuids', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.json.imageMounts, [
    { mountpoint: '/', source: 'logical volume sysvg/root', fstype: 'ext4' },
    { mountpoint: '/var/log', source: 'logical volume sysvg/var-log', fstype: 'ext4' },
  ]);
  assert.ok(r.json.changed.some((c: any) => c.path === '/var/log/planted.log'), 'the log volume was cleaned through the mount');
  assert.equal(sha256Range(image, part!.offset, MiB), metadata, 'LVM label and metadata byte for byte');
  inspectVolume(image, 'root', (root) => {
    assert.equal(fs.readFileSync(path.join(root, 'etc/machine-id'), 'utf8'), 'uninitialized\n');
    assert.match(fs.readFileSync(path.join(root, 'var/lib/sysprep/state/State.ini'), 'utf8'), /IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'var/log')), [], 'the root volume\'s own /var/log (the mount point) was not written');
  });
  inspectVolume(image, 'var-log', (log) => {
    assert.equal(fs.existsSync(path.join(log, 'planted.log')) && fs.statSync(path.join(log, 'planted.log')).size > 0, false, 'the planted log is gone or empty');
  });
  assert.equal(loopsOf(image), '');
  assert.deepEqual(sysprepMounts(), []);
  const state = sysprep(['state', '--image', image, '--json']);
  assert.equal(state.status, 0, state.stderr);
  assert.equal(state.json.imageState, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
});

/** The PV, VG and LV ids of sysvg, as LVM reports them (read-only). */
function lvmIds(file: string): { pv: string; vg: string; lvs: string[]; ranges: string } {
  const [part] = partitionLayout(file);
  const pv = attach(file, part!.offset, part!.size, true);
  try {
    const [pvId, vgId] = lvm(pv, 'pvs', '--noheadings', '-o', 'pv_uuid,vg_uuid', pv).trim().split(/\s+/);
    const lvs = lvm(pv, 'lvs', '--noheadings', '-o', 'lv_uuid', 'sysvg').trim().split(/\s+/).sort();
    return { pv: pvId!, vg: vgId!, lvs, ranges: JSON.stringify([...volumeRanges(pv, 'sysvg')]) };
  } finally {
    detach(pv);
  }
}

test('--image with LVM, lvm-uuids (a default): new PV, VG and LV ids, the volumes where they were, the image still found and sealed', () => {
  const image = path.join(work, 'lvm-ids.raw');
  execFileSync('cp', ['--sparse=always', lvmImage(), image]);
  const before = lvmIds(image);
  const r = sysprep(['--image', image, '/generalize', '/oobe', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const now = lvmIds(image);
  assert.notEqual(now.pv, before.pv);
  assert.notEqual(now.vg, before.vg);
  assert.equal(now.lvs.length, 3);
  for (const id of now.lvs) assert.ok(!before.lvs.includes(id), `LV id ${id} is new`);
  assert.equal(now.ranges, before.ranges, 'every volume keeps its extents');
  const devices = r.json.devices as { operation: string; kind: string; old: string; new: string }[];
  assert.deepEqual(devices.map((d) => d.kind).sort(), ['logical volume', 'logical volume', 'logical volume', 'physical volume', 'volume group']);
  assert.ok(devices.every((d) => d.operation === 'lvm-uuids'));
  assert.deepEqual(new Set(devices.map((d) => d.new)), new Set([now.pv, now.vg, ...now.lvs]), 'the report names the new ids');
  assert.ok(!fs.existsSync('/etc/lvm/backup/sysvg') && !fs.existsSync('/etc/lvm/archive') || !fs.readdirSync('/etc/lvm/archive').some((n) => n.startsWith('sysvg')), 'the host\'s LVM keeps no backup of the image');
  const state = sysprep(['state', '--image', image, '--json']);
  assert.equal(state.status, 0, state.stderr);
  assert.equal(state.json.imageState, 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
  assert.equal(loopsOf(image), '');
  fs.rmSync(image);
});

test('--image with a root volume split in two runs of extents, or a LUKS partition: exit 3, a message saying what to do, nothing changed', () => {
  // a small PV: volume "root" gets extents 2-3, then 0-1 (lvextend onto the free start of the PV)
  const split = path.join(work, 'split.raw');
  execFileSync('truncate', ['-s', '64M', split]);
  execFileSync('sfdisk', ['-q', split], { input: 'label: gpt\nstart=1MiB, type=lvm\n' });
  const [part] = partitionLayout(split);
  const pv = attach(split, part!.offset, part!.size);
  try {
    lvm(pv, 'pvcreate', '-q', pv);
    lvm(pv, 'vgcreate', '-q', '-s', '4M', 'splitvg', pv);
    lvm(pv, 'lvcreate', '-q', '-an', '-Zn', '-l', '2', '-n', 'gap', 'splitvg');
    lvm(pv, 'lvcreate', '-q', '-an', '-Zn', '-l', '2', '-n', 'root', 'splitvg');
    lvm(pv, 'lvremove', '-q', '-f', 'splitvg/gap');
    lvm(pv, 'lvextend', '-q', '-l', '+2', 'splitvg/root', `${pv}:0-1`);
    assert.match(lvm(pv, 'lvs', '--noheadings', '-o', 'seg_pe_ranges', 'splitvg/root'), /:2-3[\s\S]*:0-1/, 'the volume is really split');
  } finally {
    detach(pv);
  }
  const before = sha256Range(split, 0, 64 * MiB);
  const r = sysprep(['--image', split, '/generalize']);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /logical volume splitvg\/root: not one contiguous run of extents on one PV/);
  assert.match(r.stderr, /activate the volumes on a machine with device-mapper, mount the root and use --root/);
  assert.equal(sha256Range(split, 0, 64 * MiB), before);
  assert.equal(loopsOf(split), '');

  const luks = path.join(work, 'luks.raw');
  execFileSync('truncate', ['-s', '40M', luks]);
  execFileSync('sfdisk', ['-q', luks], { input: 'label: gpt\nstart=1MiB, size=4MiB, type=linux\nstart=5MiB, type=linux\n' });
  const [, second] = partitionLayout(luks);
  const loop = attach(luks, second!.offset, second!.size);
  try {
    execFileSync('cryptsetup', ['luksFormat', '-q', '--type', 'luks2', '--pbkdf', 'pbkdf2', '--pbkdf-force-iterations', '1000', '--key-file', '-', loop],
      { input: 'not a real secret' });
  } finally {
    detach(loop);
  }
  const luksBefore = sha256Range(luks, 0, 40 * MiB);
  const l = sysprep(['--image', luks, '/generalize']);
  assert.equal(l.status, 3, l.stderr);
  assert.match(l.stderr, /partition 2 is encrypted \(LUKS\): open it \(cryptsetup open\), mount the root and use --root/);
  assert.equal(sha256Range(luks, 0, 40 * MiB), luksBefore);
  assert.equal(loopsOf(luks), '');
  assert.deepEqual(sysprepMounts(), []);
});
