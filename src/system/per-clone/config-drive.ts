/**
 * Config drives (SPEC 10): a NoCloud seed (a file system labelled cidata/CIDATA, user-data at its
 * root) or an OpenStack ConfigDrive (config-2, openstack/latest/user_data) whose user-data is an
 * unattend.xml, made by the tools that make them for cloud-init (Proxmox, OpenStack, libvirt, KubeVirt,
 * Terraform, genisoimage, mkfs.vfat). Found by label with blkid's own probing (no udev database
 * needed, so it works before udev has settled), read where it is mounted, otherwise mounted read-only
 * (nosuid, nodev, noexec) on a private directory under /run and unmounted again.
 */
import { spawnSync } from 'node:child_process';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_DRIVES, PROBE_SKIP_MAJORS } from '../../model/per-clone.js';
import { SAFE_PATH } from '../../model/paths.js';
import { MAX_ANSWER_FILE_BYTES } from '../../answer-file/xml.js';
import { mountedDevices } from '../mounts.js';
import type { PantherLog } from '../panther.js';
import { recogniseUserData } from './recognise.js';
import type { PerCloneCandidate } from './types.js';

const env = { PATH: SAFE_PATH, LC_ALL: 'C' };

interface Device { dev: string; label: string; type: string }

/** The block devices to probe: /proc/partitions but RAM disks and floppies (PROBE_SKIP_MAJORS; the runner reads the same table). */
export function probeDevices(partitions = '/proc/partitions'): string[] {
  let text = '';
  try {
    text = nodefs.readFileSync(partitions, 'utf8');
  } catch {
    return [];
  }
  const skip = new Set<number>(PROBE_SKIP_MAJORS);
  return text.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 4 && /^\d+$/.test(f[0]!) && !skip.has(Number(f[0])))
    .map((f) => `/dev/${f[3]}`);
}

/** Every block device blkid can read, with its label and file-system type (probed, not from a cache). */
function labelledDevices(): Device[] {
  const devices = probeDevices();
  if (!devices.length) return [];
  const r = spawnSync('blkid', ['-c', '/dev/null', '-o', 'export', ...devices], { encoding: 'utf8', env, timeout: 10_000 });
  const out: Device[] = [];
  for (const block of (r.stdout ?? '').split(/\n\s*\n/)) {
    const f = Object.fromEntries(block.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    if (f.DEVNAME && f.LABEL) out.push({ dev: f.DEVNAME, label: f.LABEL, type: f.TYPE ?? '' });
  }
  return out;
}

function mountPointOf(dev: string): string | undefined {
  let real = dev;
  try {
    real = nodefs.realpathSync(dev);
  } catch {
    /* the name as blkid gave it */
  }
  return mountedDevices().find((m) => m.realDev === real)?.mountPoint;
}

function readUserData(dir: string, names: readonly string[]): { name: string; bytes: Uint8Array } | undefined {
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const st = nodefs.lstatSync(file);
      if (!st.isFile() || st.size > MAX_ANSWER_FILE_BYTES) continue;
      return { name, bytes: nodefs.readFileSync(file) };
    } catch {
      continue;
    }
  }
  return undefined;
}

export function configDriveCandidates(log: PantherLog): PerCloneCandidate[] {
  const drives = labelledDevices().flatMap((d) => {
    const kind = CONFIG_DRIVES.find((c) => (c.labels as readonly string[]).includes(d.label));
    return kind ? [{ ...d, kind }] : [];
  });
  if (!drives.length) {
    log.info(`Answer file channel: no config drive (no file system labelled ${CONFIG_DRIVES.flatMap((c) => c.labels).join(', ')})`);
    return [];
  }
  const out: PerCloneCandidate[] = [];
  for (const d of drives) {
    const what = `${d.kind.kind} ${d.dev} (label ${d.label})`;
    let dir = mountPointOf(d.dev);
    let mounted = false;
    if (!dir) {
      dir = nodefs.mkdtempSync('/run/sysprep-config-drive-');
      const r = spawnSync('mount', ['-o', 'ro,nosuid,nodev,noexec', ...(d.type ? ['-t', d.type] : []), '--', d.dev, dir], { encoding: 'utf8', env, timeout: 30_000 });
      if (r.status !== 0) {
        nodefs.rmdirSync(dir);
        log.warn(`Answer file channel: ${what} could not be mounted (${(r.stderr || r.error?.message || '').trim()}); skipped`);
        continue;
      }
      mounted = true;
    }
    try {
      const found = readUserData(dir, d.kind.userData);
      if (!found) {
        log.info(`Answer file channel: ${what} has no ${d.kind.userData.join(' or ')}; skipped`);
        continue;
      }
      const r = recogniseUserData(found.bytes, `${d.dev}:${found.name}`);
      if (!r.answerFile) {
        log.info(`Answer file channel: ${what}: ${found.name} is ${r.what}, not an answer file; skipped`);
        continue;
      }
      out.push({ origin: 'config-drive', where: `${found.name} on ${what}`, bytes: r.bytes });
    } finally {
      if (mounted) {
        spawnSync('umount', ['--', dir], { env, timeout: 30_000 });
        try {
          nodefs.rmdirSync(dir);
        } catch {
          log.warn(`Answer file channel: ${dir} is still in use after reading ${what}`);
        }
      }
    }
  }
  return out;
}
