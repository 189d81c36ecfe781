/**
 * One sysprep at a time per target (SPEC 3.1): a lock file inside the target, created exclusively and
 * held for the whole run. It names the holder's pid, the boot it runs in and the process start time,
 * so a lock left by a dead process (crash, power loss, kill -9) is recognised and taken over, and a
 * recycled pid is not mistaken for the holder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RootFs } from '../rootfs/rootfs.js';
import { environmentError } from '../model/errors.js';
import { PATHS } from '../model/paths.js';

interface LockOwner {
  pid: number;
  bootId: string;
  startTime: string;
}

function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 22 (starttime), counted after the ")" that closes the command name
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  const [pid, boot, start] = text.trim().split(/\s+/);
  if (!pid || !/^\d+$/.test(pid)) return undefined;
  return { pid: Number(pid), bootId: boot ?? '', startTime: start ?? '' };
}

function alive(owner: LockOwner): boolean {
  if (owner.bootId && owner.bootId !== bootId()) return false;
  const start = startTimeOf(owner.pid);
  if (start === undefined) return false;
  return !owner.startTime || owner.startTime === start;
}

export class TargetLock {
  private held = false;
  constructor(private readonly rootfs: RootFs) {}

  /** The live holder of the lock, if any. */
  holder(): LockOwner | undefined {
    const text = this.rootfs.readText(PATHS.lock);
    if (text === undefined) return undefined;
    const owner = parseOwner(text);
    return owner && alive(owner) ? owner : undefined;
  }

  /**
   * Take the lock (taking over a stale one). In a dry run nothing is written, but a live holder
   * still refuses the run.
   * @returns a note when a stale lock was taken over
   */
  acquire(): string | undefined {
    const live = this.holder();
    if (live) {
      throw environmentError(
        `another sysprep (pid ${live.pid}) is running on this target; wait for it to finish ` +
          `(lock ${PATHS.lock})`,
      );
    }
    const staleText = this.rootfs.readText(PATHS.lock);
    if (this.rootfs.dryRun) return undefined;
    const me = `${process.pid} ${bootId()} ${startTimeOf(process.pid) ?? ''}\n`;
    const dir = path.posix.dirname(PATHS.lock);
    if (!this.rootfs.isDirectory(dir)) fs.mkdirSync(this.rootfs.resolve(dir), { recursive: true, mode: 0o755 });
    const host = this.rootfs.resolve(PATHS.lock, false);
    if (staleText !== undefined) fs.rmSync(host, { force: true });
    let fd: number;
    try {
      fd = fs.openSync(host, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw environmentError(`another sysprep started on this target at the same moment (lock ${PATHS.lock})`);
      }
      throw err;
    }
    fs.writeSync(fd, me);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    this.held = true;
    return staleText !== undefined ? `took over a stale lock left by: ${staleText.trim() || '(empty)'}` : undefined;
  }

  release(): void {
    if (!this.held) return;
    fs.rmSync(this.rootfs.resolve(PATHS.lock, false), { force: true });
    this.held = false;
  }
}
