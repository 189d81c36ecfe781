/**
 * Step 1 of a run (SPEC 3): verification. Root only; /mode:vm only in a virtual machine; the target
 * exists and looks like an OS root; no live lock holder; the OS version recorded at first install
 * still matches. Every failure here is exit 2 or 3 and changes nothing.
 */
import { spawnSync } from 'node:child_process';
import * as nodefs from 'node:fs';
import { environmentError } from '../model/errors.js';
import type { RunRequest } from '../model/request.js';
import { RootFs } from '../rootfs/rootfs.js';
import type { TargetLock } from '../system/lock.js';
import { readInstallRecord } from '../system/state.js';
import { loadTarget, notAnOsRoot, type Target } from '../system/target.js';

/** Open the target: exists, is a directory, looks like an OS root. */
export function openTarget(root: string, dryRun: boolean): Target {
  let st: nodefs.Stats;
  try {
    st = nodefs.statSync(root);
  } catch {
    throw environmentError(`target ${root} does not exist`);
  }
  if (!st.isDirectory()) throw environmentError(`target ${root} is not a directory`);
  const fs = new RootFs(root, { dryRun });
  const why = notAnOsRoot(fs);
  if (why) throw environmentError(`target ${root} is not an OS root: ${why}`);
  return loadTarget(fs);
}

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw environmentError('sysprep must be run as root (uid 0); try again with sudo');
  }
}

function isVirtualMachine(): boolean {
  const r = spawnSync('systemd-detect-virt', ['--vm'], { encoding: 'utf8' });
  if (r.error) {
    // without systemd-detect-virt, fall back to the CPU's hypervisor flag
    try {
      return /^flags\s*:.*\bhypervisor\b/m.test(nodefs.readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      return false;
    }
  }
  return r.status === 0;
}

/**
 * Root, and /mode:vm in a virtual machine (systemd-detect-virt --vm). Only the running system is
 * asked: an offline root (--root, --image) is not the machine sysprep runs on, and whether it is a VM
 * image is the builder's word (the run logs a note saying so).
 */
export function verifyCaller(req: Pick<RunRequest, 'vm' | 'root'>): void {
  requireRoot();
  if (req.vm && req.root === '/' && !isVirtualMachine()) {
    throw environmentError('/mode:vm: systemd-detect-virt --vm says this is not a virtual machine');
  }
}

/**
 * No other sysprep runs on the target (a live holder is refused; a dead one's lock is taken over),
 * and the OS is the one sysprep was installed for. Returns the note about a stale lock taken over.
 */
export function verifyTargetAndLock(req: Pick<RunRequest, 'root'>, target: Target, lock: TargetLock): string | undefined {
  if (lock.holder()) lock.acquire(); // throws the "another sysprep is running" error
  const installed = readInstallRecord(target.fs);
  if (installed && (installed.osId !== target.os.id || installed.versionId !== target.os.versionId)) {
    throw environmentError(
      `sysprep was installed into this image for ${installed.osId} ${installed.versionId || '(no version)'}, ` +
        `but it is now ${target.os.id} ${target.os.versionId || '(no version)'} (upgraded?). ` +
        `Check the image, then re-arm with: sysprep rearm${req.root === '/' ? '' : ` --root ${req.root}`}`,
    );
  }
  return lock.acquire();
}
