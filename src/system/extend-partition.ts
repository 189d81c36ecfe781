/**
 * ExtendOSPartition (Microsoft-Windows-Deployment): the root partition grows into the free space after
 * it, and its file system with it, on the running system (a clone at first boot, whose disk is often
 * larger than the image). Windows extends NTFS only; here ext2/3/4, XFS and btrfs, with the image's own
 * tools: sfdisk (util-linux) moves the partition's end, partx tells the kernel (the partition is in use,
 * so the table cannot be re-read as a whole), resize2fs / xfs_growfs / btrfs grow the file system
 * online. A root file system on a whole disk (no partition table) only needs the file system grown.
 * Anything else (LVM, RAID, a network root) is logged and left alone.
 */
import { spawnSync } from 'node:child_process';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import type { PantherLog } from './panther.js';

interface Sys {
  log: PantherLog;
}

interface RootDevice {
  /** /dev/vda2 */
  device: string;
  fstype: string;
  /** the whole disk and the partition number, when the root is on a partition */
  disk?: string;
  partition?: number;
}

function run(argv: string[], input?: string): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input: input ?? '' });
  if (r.error) throw new Error(`${argv[0]} cannot run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** The block device and file system of / (from mountinfo), and its disk when it is a partition. */
export function rootDevice(): RootDevice {
  const line = nodefs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
  if (!line) throw new Error('no mount of / in /proc/self/mountinfo');
  const fields = line.split(' ');
  const majMin = fields[2]!;
  const after = fields.slice(fields.indexOf('-') + 1);
  const fstype = after[0]!;
  const sys = `/sys/dev/block/${majMin}`;
  if (!nodefs.existsSync(sys)) throw new Error(`/ is not on a block device (${after[1]}, ${fstype})`);
  const name = path.basename(nodefs.realpathSync(sys));
  const device = `/dev/${name}`;
  const partFile = path.join(sys, 'partition');
  if (!nodefs.existsSync(partFile)) return { device, fstype };
  const partition = Number(nodefs.readFileSync(partFile, 'utf8').trim());
  const disk = `/dev/${path.basename(path.dirname(nodefs.realpathSync(sys)))}`;
  return { device, fstype, disk, partition };
}

const SECTOR = 512;
const MiB = 1024 * 1024;

/**
 * Grow the partition (by up to sizeMB, or into all the free space after it) and then the file system.
 * @returns the bytes the file system grew by
 */
export function extendOsPartition(sys: Sys, sizeMB: number | undefined): number {
  const root = rootDevice();
  if (!['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'].includes(root.fstype)) {
    sys.log.warn(`ExtendOSPartition: / is ${root.fstype} on ${root.device}; only ext2/3/4, XFS and btrfs are extended. Not extended`);
    return 0;
  }
  if (/^\/dev\/(dm-|md)/.test(root.device)) {
    sys.log.warn(`ExtendOSPartition: / is on ${root.device} (device mapper or RAID); not extended`);
    return 0;
  }
  if (root.disk && root.partition && !growPartition(sys, root.disk, root.partition, sizeMB)) return 0;
  const deviceNow = deviceBytes(root.device);
  const fsBefore = fsBytes(root);
  growFileSystem(sys, root, sizeMB !== undefined && !root.disk ? Math.min(deviceNow, fsBefore + sizeMB * MiB) : undefined);
  const grown = fsBytes(root) - fsBefore;
  sys.log.info(`ExtendOSPartition: the file system on ${root.device} (${root.fstype}) grew by ${(grown / MiB).toFixed(0)} MiB to ${(fsBytes(root) / MiB).toFixed(0)} MiB`);
  return grown;
}

function deviceBytes(device: string): number {
  const name = path.basename(nodefs.realpathSync(device));
  return Number(nodefs.readFileSync(`/sys/class/block/${name}/size`, 'utf8').trim()) * SECTOR;
}

/** The size of the root file system: its block count (ext: the superblock's, via dumpe2fs), else statfs. */
function fsBytes(root?: RootDevice): number {
  if (root && /^ext[234]$/.test(root.fstype)) {
    const out = spawnSync('dumpe2fs', ['-h', root.device], { encoding: 'utf8' }).stdout ?? '';
    const count = /^Block count:\s+(\d+)/m.exec(out)?.[1];
    const size = /^Block size:\s+(\d+)/m.exec(out)?.[1];
    if (count && size) return Number(count) * Number(size);
  }
  const st = nodefs.statfsSync('/');
  return st.blocks * st.bsize;
}

interface SfdiskTable {
  partitiontable: {
    label: 'gpt' | 'dos' | string;
    lastlba?: number;
    sectorsize?: number;
    partitions: { node: string; start: number; size: number }[];
  };
}

/** A program of the running system, by the usual directories (the agent's PATH may be minimal). */
function tool(name: string): string | undefined {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => `${d}/${name}`).find((p) => nodefs.existsSync(p));
}

/** @returns false when the partition could not be grown for want of a tool (logged) */
function growPartition(sys: Sys, disk: string, number: number, sizeMB: number | undefined): boolean {
  const missing = ['sfdisk', 'partx'].filter((t) => !tool(t));
  if (missing.length) {
    sys.log.warn(`ExtendOSPartition: ${missing.join(' and ')} (util-linux, fdisk) not in this image; the partition ${disk}${number} is not extended`);
    return false;
  }
  let table = (JSON.parse(run(['sfdisk', '-J', disk])) as SfdiskTable).partitiontable;
  const sector = table.sectorsize ?? SECTOR;
  // a clone's disk larger than the image: GPT's backup header still sits at the image's old end
  if (table.label === 'gpt' && table.lastlba !== undefined && table.lastlba < deviceBytes(disk) / sector - 34) {
    run(['sfdisk', '-q', '--no-reread', '--no-tell-kernel', '--relocate', 'gpt-bak-std', disk]);
    table = (JSON.parse(run(['sfdisk', '-J', disk])) as SfdiskTable).partitiontable;
    sys.log.info(`ExtendOSPartition: GPT backup header of ${disk} moved to the end of the disk`);
  }
  const parts = [...table.partitions].sort((a, b) => a.start - b.start);
  const mine = parts.find((p) => partitionNumber(p.node) === number);
  if (!mine) throw new Error(`partition ${number} is not in the table of ${disk}`);
  const next = parts.find((p) => p.start > mine.start);
  const diskSectors = deviceBytes(disk) / sector;
  // the last usable sector: before the next partition, or the disk's end (GPT keeps its backup header there)
  const last = next ? next.start - 1 : table.label === 'gpt' ? Math.min(table.lastlba ?? diskSectors - 34, diskSectors - 34) : diskSectors - 1;
  const align = (1 * MiB) / sector;
  let end = last;
  if (sizeMB !== undefined) end = Math.min(last, mine.start + mine.size - 1 + (sizeMB * MiB) / sector);
  // whole MiB, as partitioning tools align
  const size = Math.floor((end - mine.start + 1) / align) * align;
  if (size <= mine.size) {
    sys.log.info(`ExtendOSPartition: no free space after ${mine.node}; the partition stays as it is`);
    return true;
  }
  run(['sfdisk', '--no-reread', '--no-tell-kernel', '-q', '--wipe', 'never', '--wipe-partitions', 'never', '-N', String(number), disk], `${mine.start},${size}\n`);
  // the kernel's view of the partition (BLKPG resize: allowed while it is mounted)
  run(['partx', '-u', '--nr', String(number), disk]);
  sys.log.info(`ExtendOSPartition: ${mine.node} grown from ${((mine.size * sector) / MiB).toFixed(0)} MiB to ${((size * sector) / MiB).toFixed(0)} MiB`);
  return true;
}

function partitionNumber(node: string): number {
  return Number(/(\d+)$/.exec(node)?.[1] ?? NaN);
}

function growFileSystem(sys: Sys, root: RootDevice, targetBytes: number | undefined): void {
  switch (root.fstype) {
    case 'xfs':
      run(['xfs_growfs', ...(targetBytes ? ['-D', String(Math.floor(targetBytes / nodefs.statfsSync('/').bsize))] : []), '/']);
      break;
    case 'btrfs':
      run(['btrfs', 'filesystem', 'resize', targetBytes ? String(targetBytes) : 'max', '/']);
      break;
    default:
      run(['resize2fs', root.device, ...(targetBytes ? [`${Math.floor(targetBytes / 1024)}K`] : [])]);
  }
  sys.log.info(`ExtendOSPartition: ${root.fstype} on ${root.device} grown${targetBytes ? ` to ${(targetBytes / MiB).toFixed(0)} MiB` : ' to fill it'}`);
}
