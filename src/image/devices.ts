/**
 * The device phase of `--image` (issue 16; the names are src/model/devices.ts): new identifiers for
 * the image's block devices, and every reference to the old ones rewritten, so the clones of one
 * golden image do not share them.
 *
 *  - `lvm-uuids` (default): new PV, VG and LV UUIDs, with the LVM tools run on the image's PVs only
 *    (`--devices` the PV loop devices, a private LVM_SYSTEM_DIR: the host's configuration, devices file,
 *    backups and archives are neither read nor written; `--driverloaded n`: nothing is activated).
 *    PV: `pvchange -u`; VG: `vgchange -u`; LV: `vgcfgbackup`, the ids edited, `vgcfgrestore`.
 *  - `fs-uuids` (opt-in): ext2/3/4 `e2fsck -fy` + `tune2fs -U`, xfs `xfs_admin -U`, btrfs
 *    `btrfstune -f -U`, swap `swaplabel -U`, vfat the volume id bytes of the boot sector (and of
 *    FAT32's backup boot sector): no vfat driver or mtools needed.
 *  - `part-uuids` (opt-in): GPT partition GUIDs and the disk GUID (`sfdisk --part-uuid`, `--disk-id`);
 *    MBR the disk identifier, which every MBR PARTUUID ("1a2b3c4d-02") derives from.
 *
 * Order: the checks, before the image is mounted read-write (a missing tool: exit 3, nothing changed);
 * then, with the image mounted and the providers done, LVM (its new ids are read back), and every
 * reference in the image rewritten (fstab, crypttab, the boot loader configuration and kernel command
 * lines, resume=, mdadm, dracut and initramfs-tools configuration, LVM's backups), the initramfs
 * rebuilt when a file it carries changed; then, unmounted, the file systems' UUIDs; the partition
 * table last. The new file-system and partition ids are made here beforehand, so the references can be
 * written while the file systems are still mounted. Each id set is read back with blkid/sfdisk.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeviceChange, DeviceOperationId, DevicePhaseEnv } from '../model/devices.js';
import { environmentError } from '../model/errors.js';
import type { RootFs } from '../rootfs/rootfs.js';
import { runInTarget } from '../system/chroot.js';
import { parseMetadata, type MetaSection } from './lvm.js';

/** A block device of the image, attached as a loop device for the run. */
export interface ImageBlockDevice {
  loop: string;
  fstype: string;
  uuid?: string;
  /** "partition 2", "logical volume sysvg/root", "the whole disk" */
  source: string;
  /** where the run mounted it in the image, if it did */
  mountpoint?: string;
}

export interface ImageDevices {
  /** the raw image file (a qcow2 image's temporary raw conversion) */
  file: string;
  table?: 'gpt' | 'dos';
  /** GPT disk GUID, or MBR disk identifier (0x…) */
  diskId?: string;
  partitions: { number: number; source: string; partuuid?: string }[];
  fileSystems: ImageBlockDevice[];
  /** LVM physical volumes, attached whole */
  pvs: { loop: string; uuid: string; source: string }[];
  /** the volume groups they hold */
  vgs: string[];
  /** where the image's fstab would mount a file system the run did not mount (an ESP: noauto, or no driver here) */
  espMountpoint?: (d: ImageBlockDevice) => string | undefined;
}

interface Cmd {
  status: number;
  out: string;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Cmd {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(env ? { env } : {}), maxBuffer: 16 << 20 });
  if (r.error) return { status: 127, out: r.error.message };
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

function must(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, env);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}): ${r.out.split('\n').slice(-3).join(' ')}`);
  return r.out;
}

const hasTool = (name: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).status === 0;

/** The tool each kind of file system needs, for fs-uuids. */
const FS_TOOLS: Record<string, string[]> = {
  ext2: ['e2fsck', 'tune2fs'],
  ext3: ['e2fsck', 'tune2fs'],
  ext4: ['e2fsck', 'tune2fs'],
  xfs: ['xfs_admin'],
  btrfs: ['btrfstune'],
  swap: ['swaplabel'],
  vfat: [],
};

/** An LVM-style id: 32 characters of [A-Za-z0-9] grouped 6-4-4-4-4-4-6. */
export function lvmId(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const b = randomBytes(32);
  const s = [...b].map((x) => chars[x % chars.length]).join('');
  return [6, 4, 4, 4, 4, 4, 6].reduce<{ at: number; parts: string[] }>((a, n) => ({ at: a.at + n, parts: [...a.parts, s.slice(a.at, a.at + n)] }), { at: 0, parts: [] }).parts.join('-');
}

/** A vfat volume id as blkid spells it ("1A2B-3C4D") and its 32-bit value. */
function vfatId(): { text: string; value: number } {
  const value = randomBytes(4).readUInt32LE(0);
  const hex = value.toString(16).toUpperCase().padStart(8, '0');
  return { text: `${hex.slice(0, 4)}-${hex.slice(4)}`, value };
}

/** Write a vfat volume id into the boot sector (and FAT32's backup boot sector). */
function setVfatId(device: string, value: number): void {
  const fd = fs.openSync(device, 'r+');
  try {
    const bs = Buffer.alloc(512);
    fs.readSync(fd, bs, 0, 512, 0);
    if (bs.readUInt16LE(510) !== 0xaa55) throw new Error(`${device}: no FAT boot sector`);
    const fat32 = bs.readUInt16LE(22) === 0; // BPB_FATSz16 is 0 on FAT32
    const at = fat32 ? 67 : 39; // BS_VolID
    const id = Buffer.alloc(4);
    id.writeUInt32LE(value >>> 0, 0);
    fs.writeSync(fd, id, 0, 4, at);
    if (fat32) {
      const backup = bs.readUInt16LE(50); // BPB_BkBootSec
      const sector = bs.readUInt16LE(11) || 512;
      if (backup > 0 && backup < 32) fs.writeSync(fd, id, 0, 4, backup * sector + at);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function blkidValue(device: string, tag: string): string | undefined {
  const r = run('blkid', ['-p', '-o', 'value', '-s', tag, device]);
  return r.status === 0 && r.out ? r.out.split('\n')[0] : undefined;
}

/** The files that name devices by UUID, PARTUUID or LVM id (globs in the image). */
export const REFERENCE_FILES = [
  '/etc/fstab',
  '/etc/crypttab',
  '/etc/default/grub',
  '/etc/default/grub.d/*.cfg',
  '/boot/grub/grub.cfg',
  '/boot/grub/custom.cfg',
  '/boot/grub/grubenv',
  '/boot/grub2/grub.cfg',
  '/boot/grub2/grubenv',
  '/boot/efi/EFI/*/grub.cfg',
  '/boot/loader/entries/*.conf',
  '/boot/efi/loader/entries/*.conf',
  '/efi/loader/entries/*.conf',
  '/boot/extlinux/extlinux.conf',
  '/boot/syslinux/syslinux.cfg',
  '/extlinux.conf',
  '/boot/refind_linux.conf',
  '/etc/kernel/cmdline',
  '/etc/initramfs-tools/conf.d/*',
  '/etc/uswsusp.conf',
  '/etc/dracut.conf',
  '/etc/dracut.conf.d/*.conf',
  '/etc/mdadm/mdadm.conf',
  '/etc/mdadm.conf',
  '/etc/systemd/system/*.mount',
  '/etc/systemd/system/*.swap',
  '/etc/lvm/backup/*',
  '/etc/lvm/archive/*',
];

/** Files an initramfs carries a copy of: when one changes, the initramfs is rebuilt. */
const INITRAMFS_SOURCES = [/^\/etc\/initramfs-tools\//, /^\/etc\/crypttab$/, /^\/etc\/mdadm/, /^\/etc\/dracut\.conf/, /^\/etc\/uswsusp\.conf$/, /^\/etc\/lvm\//];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replace each old id by its new one, case-insensitively, in the case the old one was written in. */
export function rewriteIds(text: string, ids: ReadonlyMap<string, string>): string {
  const olds = [...ids.keys()].filter(Boolean).sort((a, b) => b.length - a.length);
  if (!olds.length) return text;
  const byLower = new Map([...ids].map(([o, n]) => [o.toLowerCase(), n]));
  const re = new RegExp(olds.map(escape).join('|'), 'gi');
  return text.replace(re, (m) => {
    const n = byLower.get(m.toLowerCase())!;
    return m === m.toUpperCase() && m !== m.toLowerCase() ? n.toUpperCase() : m === m.toLowerCase() ? n.toLowerCase() : n;
  });
}

export interface DevicePhase {
  /** the run's side, with the image mounted: LVM ids, references, initramfs. Returns the changes. */
  inRun(env: DevicePhaseEnv): DeviceChange[];
  /** unmounted: the file systems' UUIDs, then the partition table */
  afterUnmount(): void;
}

interface PlannedFs {
  dev: ImageBlockDevice;
  uuid: string;
  vfat?: number;
}

/**
 * Check what the selected operations need and make the new ids; called before the image is mounted
 * read-write, so a refusal changes nothing. Operations with nothing to act on are left out quietly.
 */
export function planDevicePhase(devices: ImageDevices, operations: readonly DeviceOperationId[], named: ReadonlySet<string> = new Set(operations)): DevicePhase {
  const ops = new Set(operations);
  const warnings: string[] = [];
  // lvm-uuids is a default: without the LVM tools here it is left out with a warning, unless named
  if (ops.has('lvm-uuids') && devices.pvs.length && !named.has('lvm-uuids') && !hasTool('lvm')) {
    ops.delete('lvm-uuids');
    warnings.push('lvm-uuids: the image\'s volume groups keep their UUIDs: this machine has no LVM tools (apt-get install lvm2)');
  }
  const missing = new Set<string>();
  const need = (tool: string) => {
    if (!hasTool(tool)) missing.add(tool);
  };
  const fileSystems: PlannedFs[] = [];
  const skipped: string[] = [];
  if (ops.has('fs-uuids')) {
    for (const d of devices.fileSystems) {
      if (!d.uuid) continue;
      const tools = FS_TOOLS[d.fstype];
      if (!tools) {
        skipped.push(`${d.source} (${d.fstype}): sysprep does not change the UUID of ${d.fstype}`);
        continue;
      }
      tools.forEach(need);
      if (d.fstype === 'vfat') {
        const id = vfatId();
        fileSystems.push({ dev: d, uuid: id.text, vfat: id.value });
      } else fileSystems.push({ dev: d, uuid: randomUUID() });
    }
  }
  if (ops.has('lvm-uuids') && devices.pvs.length) need('lvm');
  const partitions: { number: number; source: string; old: string; uuid: string }[] = [];
  let disk: { old: string; id: string } | undefined;
  if (ops.has('part-uuids') && devices.table) {
    need('sfdisk');
    if (devices.table === 'gpt') {
      for (const p of devices.partitions) if (p.partuuid) partitions.push({ number: p.number, source: p.source, old: p.partuuid, uuid: randomUUID() });
      if (devices.diskId) disk = { old: devices.diskId, id: randomUUID().toUpperCase() };
    } else if (devices.diskId) {
      // MBR: the disk identifier; each partition's PARTUUID is "<id>-<nn>"
      let id = randomBytes(4).toString('hex');
      while (id === '00000000') id = randomBytes(4).toString('hex');
      const oldHex = devices.diskId.replace(/^0x/i, '').padStart(8, '0');
      disk = { old: devices.diskId, id: `0x${id}` };
      for (const p of devices.partitions) {
        const nn = p.number.toString(16).padStart(2, '0');
        partitions.push({ number: p.number, source: p.source, old: `${oldHex}-${nn}`, uuid: `${id}-${nn}` });
      }
    }
  }
  if (missing.size) {
    throw environmentError(`--providers ${[...ops].join(',')}: the device phase needs ${[...missing].join(', ')} on this machine ` +
      `(apt-get install ${[...missing].map((t) => TOOL_PACKAGES[t] ?? t).join(' ')}), or leave the operation out (--providers defaults,-${[...ops][0]})`);
  }

  const changes: DeviceChange[] = [];
  const describe = (d: ImageBlockDevice) => `${d.source} (${d.fstype}${d.mountpoint ? `, ${d.mountpoint}` : ''})`;
  let ranInRun = false;

  return {
    inRun(env) {
      ranInRun = true;
      for (const w of warnings) env.log.warn(w);
      for (const s of skipped) env.note('fs-uuids', `left alone: ${s}`);
      // 1. LVM: the tools make the new ids; read them back
      const lvmIds = new Map<string, string>();
      if (ops.has('lvm-uuids') && devices.pvs.length) {
        env.attribute('lvm-uuids');
        if (env.dryRun) {
          for (const pv of devices.pvs) changes.push({ operation: 'lvm-uuids', kind: 'physical volume', source: pv.source, old: dashed(pv.uuid), new: '(new)' });
          for (const vg of devices.vgs) changes.push({ operation: 'lvm-uuids', kind: 'volume group', source: `volume group ${vg}`, old: '', new: '(new)' });
          env.note('lvm-uuids', `would give new UUIDs to ${devices.pvs.length} PV(s) and the volume groups ${devices.vgs.join(', ')} with their logical volumes`);
        } else {
          for (const c of newLvmIds(devices)) {
            changes.push(c);
            lvmIds.set(c.old, c.new);
            lvmIds.set(c.old.replace(/-/g, ''), c.new.replace(/-/g, ''));
          }
          env.note('lvm-uuids', `new UUIDs for ${devices.pvs.length} PV(s), the volume groups ${devices.vgs.join(', ')} and their logical volumes`);
        }
      }
      // 2. the new ids, and every reference rewritten
      const fsIds = new Map<string, string>();
      for (const f of fileSystems) {
        fsIds.set(f.dev.uuid!, f.uuid);
        changes.push({ operation: 'fs-uuids', kind: f.dev.fstype === 'swap' ? 'swap' : 'file system', source: describe(f.dev), old: f.dev.uuid!, new: f.uuid });
        env.note('fs-uuids', `${describe(f.dev)}: new UUID ${f.uuid}${env.dryRun ? ' (made once the image is unmounted)' : ''}`);
      }
      const partIds = new Map<string, string>();
      for (const p of partitions) {
        partIds.set(p.old, p.uuid);
        changes.push({ operation: 'part-uuids', kind: 'partition', source: p.source, old: p.old, new: p.uuid });
      }
      if (disk) {
        if (devices.table === 'gpt') partIds.set(disk.old, disk.id);
        changes.push({ operation: 'part-uuids', kind: 'disk', source: `the ${devices.table === 'gpt' ? 'GPT' : 'MBR'} partition table`, old: disk.old, new: disk.id });
      }
      if (partitions.length || disk) env.note('part-uuids', `new ${devices.table === 'gpt' ? 'GUIDs for the disk and' : 'disk identifier, so new PARTUUIDs for'} ${partitions.length} partition(s)`);
      const rewritten = new Set<string>();
      for (const [op, ids] of [['lvm-uuids', lvmIds], ['fs-uuids', fsIds], ['part-uuids', partIds]] as const) {
        if (!ids.size) continue;
        env.attribute(op);
        for (const p of referenceFiles(env.fs)) {
          const text = env.fs.readText(p);
          if (text === undefined) continue;
          const next = rewriteIds(text, ids);
          if (next !== text && env.fs.writeText(p, next, { detail: `${op}: references to the new ids` })) rewritten.add(p);
        }
      }
      // an ESP the run did not mount (noauto, or no vfat driver on this machine): through mtools
      for (const d of devices.fileSystems.filter((x) => x.fstype === 'vfat' && !x.mountpoint)) {
        for (const [op, ids] of [['lvm-uuids', lvmIds], ['fs-uuids', fsIds], ['part-uuids', partIds]] as const) {
          if (ids.size) rewriteUnmountedVfat(env, d, op, ids, devices.espMountpoint?.(d));
        }
      }
      if (rewritten.size) env.log.info(`device phase: references rewritten in ${[...rewritten].join(', ')}`);
      // 3. an initramfs that carries a changed file is made again
      // (dracut's host-only images also carry fstab and a root= of their own: any rewrite counts there)
      const dracut = !env.fs.isFile('/usr/sbin/update-initramfs') && (env.fs.isFile('/usr/bin/dracut') || env.fs.isFile('/usr/sbin/dracut'));
      if ((dracut && rewritten.size) || [...rewritten].some((p) => INITRAMFS_SOURCES.some((re) => re.test(p)))) {
        rebuildInitramfs(env, fsIds.size ? 'fs-uuids' : partIds.size ? 'part-uuids' : 'lvm-uuids');
      }
      env.attribute(undefined);
      return changes;
    },
    afterUnmount() {
      if (!ranInRun) return;
      for (const f of fileSystems) setFsUuid(f);
      if (disk || partitions.length) {
        for (const p of partitions) if (devices.table === 'gpt') must('sfdisk', ['-q', '--part-uuid', devices.file, String(p.number), p.uuid]);
        if (disk) must('sfdisk', ['-q', '--disk-id', devices.file, disk.id]);
        const table = JSON.parse(must('sfdisk', ['-J', devices.file])).partitiontable as { id?: string; partitions?: { uuid?: string }[] };
        if (disk && table.id?.toLowerCase() !== disk.id.toLowerCase()) throw new Error(`sfdisk --disk-id: the disk id is ${table.id}, not ${disk.id}`);
      }
    },
  };
}

const TOOL_PACKAGES: Record<string, string> = {
  e2fsck: 'e2fsprogs', tune2fs: 'e2fsprogs', xfs_admin: 'xfsprogs', btrfstune: 'btrfs-progs', swaplabel: 'util-linux', lvm: 'lvm2', sfdisk: 'fdisk',
};

const dashed = (id: string) => (id.includes('-') || id.length !== 32 ? id : [6, 4, 4, 4, 4, 4, 6].reduce<{ at: number; s: string[] }>((a, n) => ({ at: a.at + n, s: [...a.s, id.slice(a.at, a.at + n)] }), { at: 0, s: [] }).s.join('-'));

function referenceFiles(rootfs: RootFs): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pattern of REFERENCE_FILES) {
    for (const p of pattern.includes('*') ? rootfs.glob(pattern) : [pattern]) {
      if (!rootfs.isFile(p)) continue;
      const real = rootfs.realTargetPath(p);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(p);
    }
  }
  return out;
}

/** Boot loader files on an ESP: the grub.cfg stubs (search --fs-uuid), systemd-boot's entries. */
const ESP_FILES = [/^\/EFI\/[^/]+\/grub\.cfg$/i, /^\/loader\/entries\/[^/]+\.conf$/i, /^\/EFI\/[^/]+\/refind_linux\.conf$/i];

/** Rewrite the references on a vfat file system that is not mounted, with mtools (no vfat driver needed). */
function rewriteUnmountedVfat(env: DevicePhaseEnv, d: ImageBlockDevice, op: DeviceOperationId, ids: ReadonlyMap<string, string>, mountpoint: string | undefined): void {
  if (!hasTool('mdir')) {
    env.log.warn(`${op}: ${d.source} (vfat) is not mounted and mtools is not installed: its boot loader files were not checked for old ids`);
    return;
  }
  const mt = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const list = run('mdir', ['-/', '-b', '-i', d.loop, '::/'], mt);
  if (list.status !== 0) return;
  for (const file of list.out.split('\n').map((l) => l.trim().replace(/^::/, '')).filter((p) => ESP_FILES.some((re) => re.test(p)))) {
    const original = mtypeRaw(d.loop, file, mt);
    const content = rewriteIds(original, ids);
    if (content === original) continue;
    const where = mountpoint ? `${mountpoint.replace(/\/$/, '')}${file}` : undefined;
    env.attribute(op);
    const record = () => {
      if (where) env.fs.recordExternal(where, 'modified', `${op}: references to the new ids (unmounted vfat, by mtools)`);
      env.log.info(`${op}: ${env.dryRun ? 'would rewrite' : 'rewrote'} ${file} on ${d.source} (vfat, not mounted: by mtools)`);
    };
    if (env.dryRun) {
      record();
      continue;
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-esp-'));
    try {
      fs.writeFileSync(path.join(tmp, 'f'), content);
      must('mcopy', ['-o', '-i', d.loop, path.join(tmp, 'f'), `::${file}`], mt);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    if (mtypeRaw(d.loop, file, mt) !== content) throw new Error(`${op}: ${file} on ${d.source} did not take the rewrite`);
    record();
  }
}

function mtypeRaw(loop: string, file: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('mtype', ['-i', loop, `::${file}`], { env, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`mtype ${file} failed: ${String(r.stderr).trim()}`);
  return r.stdout.toString('utf8');
}

function rebuildInitramfs(env: DevicePhaseEnv, op: DeviceOperationId): void {
  const rebuild = env.fs.isFile('/usr/sbin/update-initramfs') ? ['update-initramfs', '-u', '-k', 'all']
    : env.fs.isFile('/usr/bin/dracut') || env.fs.isFile('/usr/sbin/dracut') ? ['dracut', '--regenerate-all', '--force'] : undefined;
  if (!rebuild) return;
  env.attribute(op);
  if (env.dryRun) {
    env.note(op, `would rebuild the initramfs (${rebuild.join(' ')}): it carries a file that names the old ids`);
    return;
  }
  const before = new Map(env.fs.glob('/boot/initr*').map((p) => [p, env.fs.stat(p)?.mtimeMs]));
  const r = runInTarget(env.fs, rebuild, { timeoutMs: 900_000 });
  for (const line of r.output.trim().split('\n').filter(Boolean)) env.log.info(`${op}: ${line}`);
  if (r.status !== 0) throw new Error(`${rebuild.join(' ')} failed with exit code ${r.status}`);
  for (const p of env.fs.glob('/boot/initr*').filter((q) => env.fs.stat(q)?.mtimeMs !== before.get(q))) {
    env.fs.recordExternal(p, before.has(p) ? 'modified' : 'created', `rebuilt by ${rebuild[0]}: it named the old ids`);
  }
  // blkid, run by the initramfs tools in the chroot, leaves its cache of this machine's devices in the
  // image's /run (a directory there, not a tmpfs): the blkid-tab provider already ran, so remove it here
  for (const p of ['/run/blkid/blkid.tab', '/run/blkid/blkid.tab.old']) env.fs.remove(p, 'the build host\'s blkid cache, left by the initramfs rebuild');
  env.note(op, `rebuilt the initramfs (${rebuild.join(' ')})`);
}

/**
 * Wait until nothing holds a block device (an exclusive open succeeds): a file system just unmounted
 * can be held a moment longer by a mount namespace that is going away (the chroot's).
 */
function waitUntilFree(dev: string, what: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.closeSync(fs.openSync(dev, fs.constants.O_RDONLY | fs.constants.O_EXCL));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 40) throw new Error(`${what} is still in use (${(err as Error).message})`);
      spawnSync('sleep', ['0.25']);
    }
  }
}

function setFsUuid(f: PlannedFs): void {
  const dev = f.dev.loop;
  waitUntilFree(dev, f.dev.source);
  switch (f.dev.fstype) {
    case 'ext2':
    case 'ext3':
    case 'ext4': {
      // tune2fs -U wants a freshly checked file system; e2fsck's 1 means "corrected", still fine
      const c = run('e2fsck', ['-fy', dev]);
      if (c.status > 1) throw new Error(`e2fsck -fy ${f.dev.source} failed (status ${c.status}): ${c.out.split('\n').slice(-3).join(' ')}`);
      must('tune2fs', ['-U', f.uuid, dev]);
      break;
    }
    case 'xfs':
      must('xfs_admin', ['-U', f.uuid, dev]);
      break;
    case 'btrfs':
      must('btrfstune', ['-f', '-U', f.uuid, dev]);
      break;
    case 'swap':
      must('swaplabel', ['-U', f.uuid, dev]);
      break;
    case 'vfat':
      setVfatId(dev, f.vfat!);
      break;
  }
  const now = blkidValue(dev, 'UUID');
  if (now?.toLowerCase() !== f.uuid.toLowerCase()) throw new Error(`${f.dev.source}: the UUID is ${now ?? 'unreadable'} after the change, not ${f.uuid}`);
}

/** New PV, VG and LV ids with the LVM tools, on the image's PVs only; returns old → new. */
function newLvmIds(devices: ImageDevices): DeviceChange[] {
  const sysdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-lvm-'));
  try {
    // a private configuration: no host lvm.conf, no devices file, no backups or archives, no udev
    fs.writeFileSync(path.join(sysdir, 'lvm.conf'),
      'devices { use_devicesfile = 0 obtain_device_list_from_udev = 0 }\nbackup { backup = 0 archive = 0 }\nactivation { monitoring = 0 udev_sync = 0 udev_rules = 0 }\nglobal { use_lvmpolld = 0 }\n');
    const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LVM_SYSTEM_DIR: sysdir, LVM_SUPPRESS_FD_WARNINGS: '1', LC_ALL: 'C' };
    const devs = ['--devices', devices.pvs.map((p) => p.loop).join(',')];
    const lvm = (cmd: string, ...args: string[]) => must('lvm', [cmd, '--driverloaded', 'n', ...devs, ...args], env);
    const snapshot = () => {
      const ids = new Map<string, { kind: string; source: string; id: string }>();
      for (const vg of devices.vgs) {
        const file = path.join(sysdir, `${vg}.vg`);
        lvm('vgcfgbackup', '-q', '-f', file, vg);
        const meta = parseMetadata(fs.readFileSync(file, 'utf8'))[vg] as MetaSection;
        ids.set(`vg:${vg}`, { kind: 'volume group', source: `volume group ${vg}`, id: String(meta.id) });
        for (const [name, pv] of Object.entries((meta.physical_volumes ?? {}) as MetaSection)) {
          const dev = devices.pvs.find((p) => p.uuid === String((pv as MetaSection).id).replace(/-/g, ''));
          ids.set(`pv:${vg}/${name}`, { kind: 'physical volume', source: dev ? `${dev.source} (PV of ${vg})` : `PV ${name} of ${vg}`, id: String((pv as MetaSection).id) });
        }
        for (const [name, lv] of Object.entries((meta.logical_volumes ?? {}) as MetaSection)) {
          ids.set(`lv:${vg}/${name}`, { kind: 'logical volume', source: `logical volume ${vg}/${name}`, id: String((lv as MetaSection).id) });
        }
      }
      return ids;
    };
    const before = snapshot();
    for (const pv of devices.pvs) lvm('pvchange', '-q', '-y', '-u', pv.loop);
    for (const vg of devices.vgs) lvm('vgchange', '-q', '-u', vg);
    // LV ids: no command changes them; the metadata is restored with new ones
    for (const vg of devices.vgs) {
      const file = path.join(sysdir, `${vg}.vg`);
      lvm('vgcfgbackup', '-q', '-f', file, vg);
      let text = fs.readFileSync(file, 'utf8');
      for (const [key, v] of before) if (key.startsWith(`lv:${vg}/`)) text = text.split(`"${v.id}"`).join(`"${lvmId()}"`);
      fs.writeFileSync(file, text);
      lvm('vgcfgrestore', '-q', '-f', file, vg);
    }
    const after = snapshot();
    const out: DeviceChange[] = [];
    for (const [key, v] of before) {
      const now = after.get(key);
      if (!now || now.id === v.id) throw new Error(`lvm-uuids: the ${v.kind} ${v.source} kept its id ${v.id}`);
      out.push({ operation: 'lvm-uuids', kind: v.kind, source: v.source, old: v.id, new: now.id });
    }
    return out;
  } finally {
    fs.rmSync(sysdir, { recursive: true, force: true });
  }
}
