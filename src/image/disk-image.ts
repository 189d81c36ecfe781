/**
 * `--image FILE`: a raw or qcow2 disk image. sysprep attaches it to a loop device (with its partition
 * table), finds the partition that holds an OS root, mounts it and the local file systems its fstab
 * names (/boot, /var, /home, …) under a private directory, lets the run work on that root, and
 * unmounts and detaches everything afterwards, whatever happened.
 *
 * Logical volumes (LVM) are found by reading the image's LVM metadata (src/image/lvm.ts) and attached
 * the same way, at the byte range a linear volume occupies: no device-mapper, and nothing of the
 * image's volume groups ever enters the host's LVM. An encrypted (LUKS) partition is named in the
 * message when no root is found: sysprep does not ask for passphrases.
 *
 * qcow2 has no loop driver and this kernel has no nbd: a qcow2 image is converted to a temporary raw
 * file beside it, worked on, and converted back (only when the run changed something; never in a dry
 * run). A dry run mounts everything read-only, so the image cannot change.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ImageMount } from '../model/request.js';
import type { ImageBlockDevice, ImageDevices } from './devices.js';
import { environmentError, usageError } from '../model/errors.js';
import { lvmLayout, PhysicalVolume, readPhysicalVolume, volumeDeviceNames } from './lvm.js';

interface Cmd {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Cmd {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw environmentError(`--image needs ${cmd}: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim() };
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw environmentError(`${cmd} ${args.join(' ')} failed: ${r.stderr || `status ${r.status}`}`);
  return r.stdout;
}

export type ImageFormat = 'raw' | 'qcow2';

/** qcow2 files start with "QFI\xfb"; anything else is taken as raw. */
export function imageFormat(file: string): ImageFormat {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    return head.equals(Buffer.from([0x51, 0x46, 0x49, 0xfb])) ? 'qcow2' : 'raw';
  } finally {
    fs.closeSync(fd);
  }
}

interface BlockDevice {
  device: string;
  fstype: string;
  uuid?: string;
  label?: string;
  partuuid?: string;
  partlabel?: string;
  /** device names an fstab may use for it (a logical volume's /dev/VG/LV and /dev/mapper/VG-LV) */
  names?: string[];
  /** where it is in the image, for people: "partition 2", "logical volume sysvg/root" */
  source?: string;
}

function probe(device: string): BlockDevice | undefined {
  const r = run('blkid', ['-o', 'export', device]);
  if (r.status !== 0) return undefined;
  const kv: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
  }
  if (!kv.TYPE) return undefined;
  return {
    device,
    fstype: kv.TYPE,
    ...(kv.UUID ? { uuid: kv.UUID } : {}),
    ...(kv.LABEL ? { label: kv.LABEL } : {}),
    ...(kv.PARTUUID ? { partuuid: kv.PARTUUID } : {}),
    ...(kv.PARTLABEL ? { partlabel: kv.PARTLABEL } : {}),
  };
}

const MOUNTABLE = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'vfat', 'f2fs']);

export interface MountedImage {
  /** host directory of the image's root file system */
  root: string;
  format: ImageFormat;
  /** everything mounted, / first */
  mounted: ImageMount[];
  /** the image's block devices (loop devices attached for this run), for the device phase */
  devices: ImageDevices;
  /**
   * Work to do once everything is unmounted, while the loop devices are still attached (the device
   * phase: new file-system UUIDs, the partition table). Runs only when `fn` returned; a step that
   * throws stops the others, and the error is thrown after everything is detached.
   */
  afterUnmount(step: () => void): void;
}

export interface ImageOptions {
  readOnly: boolean;
  /**
   * Called with the image's block devices after they are attached and probed, before anything is
   * mounted read-write: a check that throws here leaves the image as it was.
   */
  beforeMount?: (devices: ImageDevices) => void;
}

/** The raw-image work of withImage. */
async function withRawImage<T>(
  file: string,
  options: ImageOptions & { format?: ImageFormat },
  fn: (image: MountedImage) => Promise<T>,
): Promise<T> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw usageError(`--image ${file}: no such file`);
  }
  if (!st.isFile()) throw usageError(`--image ${file}: not a regular file`);
  const format = options.format ?? imageFormat(file);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sysprep-image-'));
  const undo: (() => void)[] = [() => fs.rmSync(work, { recursive: true, force: true })];
  const rawFile = file;
  try {
    // one loop device per partition, at its offset: partition scanning of loop devices is not
    // available everywhere (no udev, or a kernel without it)
    const devices: BlockDevice[] = [];
    const attach = (offset: number, size: number) => {
      const loop = must('losetup', ['--find', '--show', '--offset', String(offset), '--sizelimit', String(size),
        ...(options.readOnly ? ['--read-only'] : []), rawFile]).trim();
      undo.push(() => void run('losetup', ['--detach', loop]));
      return loop;
    };
    const pvs: PhysicalVolume[] = [];
    const encrypted: string[] = [];
    const table = partitionTable(rawFile);
    const layout = table.partitions;
    // every block device of the image, for the device phase (swap and unmounted file systems too)
    const all: ImageBlockDevice[] = [];
    const pvLoops: ImageDevices['pvs'] = [];
    for (const [i, part] of layout.entries()) {
      const source = layout.length > 1 || part.offset > 0 ? `partition ${i + 1}` : 'the whole disk';
      const pv = readPhysicalVolume(rawFile, part.offset);
      if (pv) {
        pvs.push(pv);
        pvLoops.push({ loop: attach(part.offset, part.size), uuid: pv.uuid, source });
        continue;
      }
      const d = probe(attach(part.offset, part.size));
      if (d?.fstype === 'crypto_LUKS') encrypted.push(source);
      const named = { ...d, source, ...(part.partuuid ? { partuuid: part.partuuid } : {}), ...(part.partlabel ? { partlabel: part.partlabel } : {}) };
      if (d && MOUNTABLE.has(d.fstype)) devices.push(named as BlockDevice);
      if (d) all.push({ loop: d.device, fstype: d.fstype, ...(d.uuid ? { uuid: d.uuid } : {}), source });
    }
    const lvm = lvmLayout(pvs);
    for (const v of lvm.volumes) {
      const d = probe(attach(v.offset, v.size));
      const source = `logical volume ${v.vg}/${v.name}`;
      if (d && MOUNTABLE.has(d.fstype)) devices.push({ ...d, names: volumeDeviceNames(v), source });
      if (d) all.push({ loop: d.device, fstype: d.fstype, ...(d.uuid ? { uuid: d.uuid } : {}), source });
    }
    const imageDevices: ImageDevices = {
      file: rawFile,
      table: table.label,
      ...(table.id ? { diskId: table.id } : {}),
      partitions: table.label ? layout.map((p, i) => ({ number: p.number ?? i + 1, source: `partition ${i + 1}`, ...(p.partuuid ? { partuuid: p.partuuid } : {}) })) : [],
      fileSystems: all,
      pvs: pvLoops,
      vgs: [...new Set(lvm.volumes.map((v) => v.vg))],
    };
    // what to tell a person whose image has no root sysprep can reach
    const unreachable = () => [
      ...encrypted.map((w) => `${w} is encrypted (LUKS): open it (cryptsetup open), mount the root and use --root`),
      ...lvm.unsupported.map((u) => `logical volume ${u.vg}/${u.name}: ${u.why}`),
      ...lvm.incomplete.map((vg) => `volume group ${vg} has PVs outside this image`),
    ].map((l) => `; ${l}`).join('') +
      (lvm.unsupported.length || lvm.incomplete.length ? ' (activate the volumes on a machine with device-mapper, mount the root and use --root)' : '');
    if (!devices.length) throw environmentError(`--image ${file}: no file system that sysprep can mount was found${unreachable()}`);

    const rootDir = path.join(work, 'root');
    fs.mkdirSync(rootDir);
    const roMount = (fstype: string) => ['-o', fstype === 'ext4' || fstype === 'ext3' ? 'ro,noload' : fstype === 'xfs' ? 'ro,norecovery' : 'ro'];
    const mountOpts = (d: BlockDevice) => (options.readOnly ? roMount(d.fstype) : ['-o', 'rw']);
    let rootDev: BlockDevice | undefined;
    for (const d of devices) {
      if (run('mount', [...roMount(d.fstype), d.device, rootDir]).status !== 0) continue;
      const isRoot = fs.existsSync(path.join(rootDir, 'etc/os-release')) || fs.existsSync(path.join(rootDir, 'usr/lib/os-release'));
      run('umount', [rootDir]);
      if (isRoot) {
        rootDev = d;
        break;
      }
    }
    if (!rootDev) throw environmentError(`--image ${file}: none of its ${devices.length} file systems is an OS root (no /etc/os-release)${unreachable()}`);
    options.beforeMount?.(imageDevices);
    must('mount', [...mountOpts(rootDev), rootDev.device, rootDir]);
    const mounted = [rootDir];
    const unmountAll = () => {
      for (const m of mounted.reverse()) run('umount', [m]);
      mounted.length = 0;
    };
    undo.push(unmountAll);
    const mountpointOf = (d: BlockDevice, at: string) => {
      const fsd = all.find((x) => x.loop === d.device);
      if (fsd) fsd.mountpoint = at;
    };
    mountpointOf(rootDev, '/');
    const described: ImageMount[] = [{ mountpoint: '/', source: rootDev.source ?? 'the image', fstype: rootDev.fstype }];
    for (const entry of fstabEntries(path.join(rootDir, 'etc/fstab'))) {
      if (entry.mountpoint === '/' || !entry.mountpoint.startsWith('/')) continue;
      const dev = devices.find((d) => matches(entry.spec, d));
      if (!dev || dev === rootDev) continue;
      // mount points are resolved inside the image: a link in the image never leads out of it
      const target = path.join(rootDir, entry.mountpoint);
      const real = fs.existsSync(target) ? fs.realpathSync(target) : target;
      if (!real.startsWith(rootDir + '/') || !fs.statSync(real, { throwIfNoEntry: false })?.isDirectory()) continue;
      must('mount', [...mountOpts(dev), dev.device, real]);
      mounted.push(real);
      mountpointOf(dev, entry.mountpoint);
      described.push({ mountpoint: entry.mountpoint, source: dev.source ?? 'the image', fstype: dev.fstype });
    }
    // a file system fstab names but the run did not mount (an ESP marked noauto): where it would go
    const fstabText = (() => {
      try {
        return fs.readFileSync(path.join(rootDir, 'etc/fstab'), 'utf8');
      } catch {
        return '';
      }
    })();
    imageDevices.espMountpoint = (x) => {
      const dev = devices.find((d) => d.device === x.loop);
      if (!dev) return undefined;
      for (const line of fstabText.split('\n')) {
        const [spec, mountpoint] = line.trim().split(/\s+/);
        if (spec && !spec.startsWith('#') && mountpoint?.startsWith('/') && matches(spec, dev)) return mountpoint.replace(/\\040/g, ' ');
      }
      return undefined;
    };
    const later: (() => void)[] = [];
    const result = await fn({ root: rootDir, format, mounted: described, devices: imageDevices, afterUnmount: (step) => void later.push(step) });
    if (later.length) {
      // the device phase changes the file systems themselves: each must really be unmounted first
      // (a chroot's namespace may hold a mount a moment after its process ended: try for a while)
      for (const m of [...mounted].reverse()) {
        for (let attempt = 0; run('umount', [m]).status !== 0; attempt++) {
          if (attempt >= 20) throw environmentError(`--image ${file}: ${m} stays busy and cannot be unmounted; the device phase did not run`);
          spawnSync('sleep', ['0.5']);
        }
      }
      mounted.length = 0;
      for (const step of later) step();
    }
    return result;
  } finally {
    // every step is tried, even after one fails: a loop device or mount must not outlive the run
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        /* best effort; the others still run */
      }
    }
  }
}

/**
 * Mount the image, call `fn` with its root, and always undo everything. `readOnly` for dry runs and
 * `sysprep state`. A qcow2 image is converted to a temporary raw file beside it; when `fn` returns
 * (the run happened, successful or not) and the mount was writable, the raw file is converted back
 * and replaces the qcow2 file atomically. When `fn` throws (usage, environment, validation errors:
 * nothing changed), the qcow2 file is left as it was.
 */
export async function withImage<T>(
  file: string,
  options: ImageOptions,
  fn: (image: MountedImage) => Promise<T>,
): Promise<T> {
  if (!fs.existsSync(file)) throw usageError(`--image ${file}: no such file`);
  if (imageFormat(file) === 'raw') return withRawImage(file, { ...options, format: 'raw' }, fn);
  const rawFile = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.sysprep-raw`);
  must('qemu-img', ['convert', '-q', '-f', 'qcow2', '-O', 'raw', file, rawFile]);
  try {
    const result = await withRawImage(rawFile, { ...options, format: 'qcow2' }, fn);
    if (!options.readOnly) {
      const back = `${file}.sysprep-new`;
      must('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', rawFile, back]);
      fs.renameSync(back, file);
    }
    return result;
  } finally {
    fs.rmSync(rawFile, { force: true });
  }
}

interface Partition {
  /** its number in the table (1-based: sfdisk --part-uuid DEV N) */
  number?: number;
  offset: number;
  size: number;
  partuuid?: string;
  partlabel?: string;
}

/** The image's partitions (GPT or MBR, read by sfdisk), or the whole file when it has no table. */
export function partitionLayout(file: string): Partition[] {
  return partitionTable(file).partitions;
}

/** The partition table: its kind and identifier (GPT disk GUID, MBR disk id) and its partitions. */
export function partitionTable(file: string): { label?: 'gpt' | 'dos'; id?: string; partitions: Partition[] } {
  const whole = { partitions: [{ offset: 0, size: fs.statSync(file).size }] };
  const r = run('sfdisk', ['-J', file]);
  if (r.status !== 0) return whole;
  try {
    const table = JSON.parse(r.stdout).partitiontable as {
      label?: string;
      id?: string;
      sectorsize?: number;
      partitions?: { node?: string; start: number; size: number; uuid?: string; name?: string; type?: string }[];
    };
    const sector = table.sectorsize ?? 512;
    const parts = (table.partitions ?? []).filter((p) => !['5', 'f', '85'].includes(String(p.type))); // not extended containers
    if (!parts.length) return whole;
    return {
      ...(table.label === 'gpt' || table.label === 'dos' ? { label: table.label } : {}),
      ...(table.id ? { id: table.id } : {}),
      partitions: parts.map((p) => ({
        ...(/(\d+)$/.test(p.node ?? '') ? { number: Number(/(\d+)$/.exec(p.node!)![1]) } : {}),
        offset: p.start * sector,
        size: p.size * sector,
        ...(p.uuid ? { partuuid: p.uuid } : {}),
        ...(p.name ? { partlabel: p.name } : {}),
      })),
    };
  } catch {
    return whole;
  }
}

interface FstabEntry {
  spec: string;
  mountpoint: string;
  fstype: string;
  options: string;
}

export function fstabEntries(file: string): FstabEntry[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: FstabEntry[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [spec, mountpoint, fstype, options = 'defaults'] = t.split(/\s+/);
    if (!spec || !mountpoint || !fstype) continue;
    if (['swap', 'proc', 'sysfs', 'tmpfs', 'devpts', 'nfs', 'nfs4', 'cifs', 'none'].includes(fstype)) continue;
    if (options.split(',').includes('noauto')) continue;
    out.push({ spec, mountpoint: mountpoint.replace(/\\040/g, ' '), fstype, options });
  }
  return out;
}

function matches(spec: string, d: BlockDevice): boolean {
  const [key, value] = spec.includes('=') ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1).replace(/^"|"$/g, '')] : ['', spec];
  switch (key.toUpperCase()) {
    case 'UUID':
      return d.uuid?.toLowerCase() === value.toLowerCase();
    case 'LABEL':
      return d.label === value;
    case 'PARTUUID':
      return d.partuuid?.toLowerCase() === value.toLowerCase();
    case 'PARTLABEL':
      return d.partlabel === value;
    default:
      // a logical volume's /dev/VG/LV or /dev/mapper/VG-LV; /dev/sdXN names mean nothing for an image attached elsewhere
      return d.names?.includes(spec) ?? false;
  }
}
