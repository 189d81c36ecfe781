/**
 * Booting a raw root-file-system image in QEMU (TCG: never KVM, guests hang under it here), the
 * kernel and initrd passed directly, a virtio disk, no network, the serial console captured to a
 * string and to a log file under $CACHE/work/. A boot ends when the guest powers off (qemu exits by
 * itself; with noReboot a guest reboot also ends qemu) or when the timeout kills qemu.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CACHE_DIR } from '../fixtures/roots.js';

export const QEMU = process.env.SYSPREP_TEST_QEMU ?? 'qemu-system-x86_64';
export const DEFAULT_APPEND = 'root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=-1 loglevel=4';

export interface Kernel {
  kernel: string;
  initrd: string;
  version: string;
}

/** The newest vmlinuz-* with its initrd.img-* in a root's /boot (read only). */
export function findKernel(root: string): Kernel {
  const boot = path.join(root, 'boot');
  const versions = fs
    .readdirSync(boot)
    .filter((n) => n.startsWith('vmlinuz-'))
    .map((n) => n.slice('vmlinuz-'.length))
    .filter((v) => fs.existsSync(path.join(boot, `initrd.img-${v}`)))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const version = versions.at(-1);
  if (!version) throw new Error(`no vmlinuz-*/initrd.img-* pair in ${boot}`);
  return { kernel: path.join(boot, `vmlinuz-${version}`), initrd: path.join(boot, `initrd.img-${version}`), version };
}

export interface BootOptions {
  /** raw disk image (the root file system itself, ext4: root=/dev/vda) */
  image: string;
  kernel: string;
  initrd: string;
  /** kernel command line; default DEFAULT_APPEND */
  append?: string;
  /** kill qemu after this long */
  timeoutMs: number;
  /** qemu -no-reboot: a guest reboot ends qemu instead of restarting the guest */
  noReboot?: boolean;
  /** serial log file (default: a new file under $CACHE/work) */
  logFile?: string;
  memoryMiB?: number;
  /** virtual CPUs (default TEST_CPUS); more than one runs TCG multi-threaded, a host thread each */
  cpus?: number;
  /** extra qemu arguments */
  extraArgs?: string[];
  /**
   * qemu's host cache for the disk (default unsafe: the guest's flushes cost the host nothing; a
   * guest power cut, sysrq b or a reset, loses what the guest had not written to its disk either way,
   * as the disk's writes are in the host's page cache). The benchmarks ask for writeback, a real
   * host's flushes.
   */
  diskCache?: 'unsafe' | 'writeback';
}

export interface BootResult {
  /** qemu exited by itself (the guest powered off, or rebooted under noReboot) */
  exited: boolean;
  /** qemu was killed at the timeout */
  timedOut: boolean;
  /** everything the guest wrote on its serial console */
  serial: string;
  seconds: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** qemu's own stderr (warnings, errors) */
  stderr: string;
  logFile: string;
}

export interface Guest {
  readonly process: ChildProcess;
  readonly logFile: string;
  /** the serial console so far */
  serial(): string;
  /**
   * Resolves with the match when the serial console (from its start) matches `re`; rejects when
   * qemu ends first or after timeoutMs.
   */
  waitFor(re: RegExp, timeoutMs: number, from?: number): Promise<RegExpExecArray>;
  /** resolves when qemu has exited (by itself or killed) */
  done: Promise<BootResult>;
  /** kill qemu now (the result then says timedOut: false, exited: false) */
  kill(): void;
  /** type on the serial console (qemu's stdin) */
  type(text: string): void;
  /** the serial output after character offset `from` */
  since(from: number): string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // never leave a qemu behind when the test process ends
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * The test boots' virtual CPUs (SYSPREP_TEST_CPUS, default 2). scripts/run-tests.mjs sets 1 when it
 * runs test files two at a time (its default): on a two-core machine multi-threaded TCG boots a
 * minimal Debian only about a quarter faster with two vCPUs than with one (bench/firstboot: 21.4 s
 * against 28.4 s to multi-user), so two one-vCPU guests at once get more done; a file run on its
 * own (SYSPREP_TEST_JOBS=1) boots with two.
 */
export const TEST_CPUS = Math.max(1, Number(process.env.SYSPREP_TEST_CPUS ?? 2) || 1);

export function qemuArgs(options: BootOptions): string[] {
  const cpus = options.cpus ?? TEST_CPUS;
  return [
    '-accel', cpus > 1 ? 'tcg,thread=multi' : 'tcg',
    '-cpu', 'max',
    ...(cpus > 1 ? ['-smp', String(cpus)] : []),
    '-m', String(options.memoryMiB ?? 1024),
    '-nographic',
    '-nic', 'none',
    '-kernel', options.kernel,
    '-initrd', options.initrd,
    '-append', options.append ?? DEFAULT_APPEND,
    '-drive', `file=${options.image},format=raw,if=virtio,cache=${options.diskCache ?? 'unsafe'}`,
    ...(options.noReboot ? ['-no-reboot'] : []),
    ...(options.extraArgs ?? []),
  ];
}

/** Serial logs outlive their test so a failure can be read afterwards; after two days nobody will. */
function pruneSerialLogs(dir: string): void {
  const cutoff = Date.now() - 2 * 24 * 3600 * 1000;
  for (const entry of fs.readdirSync(dir)) {
    if (!/^serial-.*\.log$/.test(entry)) continue;
    const file = path.join(dir, entry);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      // another test process pruned it first
    }
  }
}

/** Start qemu; see bootImage() for the common case of waiting until it ends. */
export function startImage(options: BootOptions): Guest {
  installExitHook();
  let logFile = options.logFile;
  if (!logFile) {
    const dir = path.join(CACHE_DIR, 'work');
    fs.mkdirSync(dir, { recursive: true });
    pruneSerialLogs(dir);
    const name = `${path.basename(path.dirname(options.image))}-${path.basename(options.image)}`;
    logFile = path.join(dir, `serial-${name}-${Date.now()}-${process.pid}.log`);
  }
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(QEMU, qemuArgs(options), { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let serial = '';
  let stderr = '';
  let timedOut = false;
  let killedByUs = false;
  const waiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    serial += chunk;
    try {
      fs.writeSync(log, chunk);
    } catch {
      /* the log is a convenience */
    }
    for (const w of [...waiters]) w();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  // qemu reads the console's input from stdin: tests type into it with type()
  child.stdin!.on('error', () => {});

  let killTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.timeoutMs);

  const done = new Promise<BootResult>((resolve) => {
    let spawnError: Error | undefined;
    child.on('error', (err) => {
      spawnError = err;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      live.delete(child);
      child.stdin?.destroy();
      try {
        fs.closeSync(log);
      } catch {
        /* already closed */
      }
      for (const w of [...waiters]) w();
      if (spawnError) stderr += `\n${spawnError.message}`;
      resolve({
        exited: !timedOut && !killedByUs && !spawnError,
        timedOut,
        serial,
        seconds: Math.round((performance.now() - started) / 100) / 10,
        exitCode: code,
        signal,
        stderr,
        logFile: logFile!,
      });
    });
  });
  let ended = false;
  void done.then(() => {
    ended = true;
  });

  return {
    process: child,
    logFile,
    serial: () => serial,
    done,
    kill() {
      if (ended) return;
      killedByUs = true;
      terminate();
    },
    type(text: string) {
      if (!ended) child.stdin!.write(text);
    },
    since(from: number) {
      return serial.slice(from);
    },
    waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
      const pattern = new RegExp(re.source, re.flags.replace('g', '').replace('y', ''));
      return new Promise((resolve, reject) => {
        let t: NodeJS.Timeout | undefined;
        const check = () => {
          const m = pattern.exec(from ? serial.slice(from) : serial);
          if (m) {
            finish();
            resolve(m);
          } else if (ended || child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`qemu ended before the serial console matched ${re}`));
          }
        };
        const finish = () => {
          waiters.delete(check);
          if (t) clearTimeout(t);
        };
        t = setTimeout(() => {
          finish();
          reject(new Error(`the serial console did not match ${re} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Boot an image and wait until qemu exits (guest power-off) or the timeout kills it. */
export function bootImage(options: BootOptions): Promise<BootResult> {
  return startImage(options).done;
}

/** The last `lines` lines of a serial log, for failure messages. */
export function tail(text: string, lines = 60): string {
  return text.split(/\r?\n/).slice(-lines).join('\n');
}
