/**
 * The device phase of `--image` (issue 16): operations on the image's block devices rather than on
 * its files, selected with the `--providers` grammar like virt-sysprep's `fs-uuids` and `lvm-uuids`.
 * They run only with `--image` and `/generalize`; the operations themselves are src/image/devices.ts.
 */
import type { RootFs } from '../rootfs/rootfs.js';

export interface DeviceOperation {
  id: 'fs-uuids' | 'lvm-uuids' | 'part-uuids';
  summary: string;
  description: string;
  defaultEnabled: boolean;
}

export const DEVICE_OPERATIONS: readonly DeviceOperation[] = Object.freeze([
  {
    id: 'fs-uuids',
    summary: 'New file-system UUIDs (ext2/3/4, xfs, btrfs, vfat, swap) for the image, every reference rewritten',
    description:
      'Clones of one image share file-system UUIDs; two of them attached to one machine (or a clone next to its golden ' +
      'image) make UUID= mounts ambiguous. fstab, crypttab, the boot loader configuration and kernel command lines, ' +
      'resume= and the initramfs are rewritten to the new UUIDs. --image only.',
    defaultEnabled: false,
  },
  {
    id: 'lvm-uuids',
    summary: "New LVM PV, VG and LV UUIDs for the volume groups inside the image",
    description:
      'LVM refuses two PVs with one UUID: a clone attached beside its golden image, or a host made from the same ' +
      'template, hides one of them. Done with the LVM tools on the image\'s PVs only (a private configuration, ' +
      '--devices), so the host\'s LVM never sees the image\'s volume groups.',
    defaultEnabled: true,
  },
  {
    id: 'part-uuids',
    summary: 'New GPT partition and disk GUIDs (MBR: the disk identifier), every PARTUUID reference rewritten',
    description: 'PARTUUID= references in fstab, the boot loader configuration and kernel command lines are rewritten. --image only.',
    defaultEnabled: false,
  },
]);

export type DeviceOperationId = DeviceOperation['id'];

export const isDeviceOperation = (name: string): name is DeviceOperationId => DEVICE_OPERATIONS.some((o) => o.id === name);

/** One identifier the device phase changed (or, in a dry run, would change). */
export interface DeviceChange {
  operation: DeviceOperationId;
  /** 'file system', 'swap', 'physical volume', 'volume group', 'logical volume', 'partition', 'disk' */
  kind: string;
  /** where in the image: "partition 2 (ext4, /)", "volume group sysvg" */
  source: string;
  old: string;
  /** the new identifier; in a dry run, "(new)" where it is only known once made */
  new: string;
}

/** What the device phase gets from the run, with the image mounted and the providers done. */
export interface DevicePhaseEnv {
  fs: RootFs;
  log: { info(message: string): void; warn(message: string): void };
  dryRun: boolean;
  /** changes recorded from here on are the operation's (report and log); undefined: sysprep's again */
  attribute(op: DeviceOperationId | undefined): void;
  note(op: DeviceOperationId, message: string): void;
}

/** The run's hook for the device phase (given by the command line with --image). */
export type DevicePhaseHook = (env: DevicePhaseEnv) => DeviceChange[];
