/**
 * The block devices mounted on the running system (/proc/self/mounts), each with the device node's
 * real name: the answer-file search's media and the per-clone config drives both look them up.
 */
import * as nodefs from 'node:fs';

export interface MountedDevice {
  /** the device as the mount table names it (/dev/…) */
  dev: string;
  /** its real node (a /dev/disk/by-… link resolved), or `dev` where it cannot be resolved */
  realDev: string;
  mountPoint: string;
  fstype: string;
  options: string[];
}

export function mountedDevices(): MountedDevice[] {
  let lines: string[];
  try {
    lines = nodefs.readFileSync('/proc/self/mounts', 'utf8').split('\n');
  } catch {
    return [];
  }
  const out: MountedDevice[] = [];
  for (const line of lines) {
    const [dev, mnt, fstype, opts] = line.split(' ');
    if (!dev || !mnt || !dev.startsWith('/dev/')) continue;
    let realDev = dev;
    try {
      realDev = nodefs.realpathSync(dev);
    } catch {
      /* no such node here (a container's /dev/root, a chroot): the name alone */
    }
    out.push({ dev, realDev, mountPoint: mnt.replace(/\\040/g, ' '), fstype: fstype ?? '', options: (opts ?? '').split(',') });
  }
  return out;
}
