/**
 * Panther logs (SPEC 5): `setupact.log` gets every line, `setuperr.log` the warnings and errors.
 * Line grammar of the Windows reference §6.2:
 *   `YYYY-MM-DD HH:MM:SS, ` + level padded to 11 + (`[0x0fXXXX]` or 10 spaces) + ` ` + component
 *   padded to 6 + ` ` + message
 * Lines are kept in memory as well: a dry run writes nothing into the target, and `--json` carries them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RootFs } from '../rootfs/rootfs.js';

export type LogLevel = 'Info' | 'Warning' | 'Error';

export interface LogLine {
  time: string;
  level: LogLevel;
  component: string;
  message: string;
}

export function formatTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatLogLine(line: LogLine, messageId?: number): string {
  const id = messageId === undefined ? ' '.repeat(10) : `[0x${messageId.toString(16).padStart(6, '0')}]`;
  return `${line.time}, ${line.level.padEnd(11)}${id} ${line.component.padEnd(6)} ${line.message}`;
}

export const RULER = '='.repeat(56);
export const BANNER = '===          Beginning of a new sysprep run          ===';

export class PantherLog {
  readonly lines: LogLine[] = [];
  private actFd: number | undefined;
  private errFd: number | undefined;
  /** errors and warnings also go here (the console), whatever /quiet says */
  onProblem: ((line: LogLine) => void) | undefined;

  /**
   * @param dir in-target directory (`/var/lib/sysprep/panther`); undefined keeps the log in memory only
   */
  constructor(private readonly rootfs: RootFs | undefined, readonly dir: string | undefined, readonly component = 'SYSPRP') {}

  /** Open (append) the files. Not in a dry run: a dry run leaves the target as it found it. */
  open(): void {
    if (!this.rootfs || !this.dir || this.rootfs.dryRun) return;
    this.rootfs.makeDirectory(this.dir, 0o755);
    const hostDir = this.rootfs.resolve(this.dir, true);
    const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;
    this.actFd = fs.openSync(path.join(hostDir, 'setupact.log'), flags, 0o644);
    this.errFd = fs.openSync(path.join(hostDir, 'setuperr.log'), flags, 0o644);
    // lines logged before the files could be opened (the answer-file search runs before the lock)
    for (const line of this.lines) {
      const formatted = formatLogLine(line) + '\n';
      fs.writeSync(this.actFd, formatted);
      if (line.level !== 'Info') fs.writeSync(this.errFd, formatted);
    }
  }

  close(): void {
    for (const fd of [this.actFd, this.errFd]) if (fd !== undefined) fs.closeSync(fd);
    this.actFd = this.errFd = undefined;
  }

  info(message: string, messageId?: number): void {
    this.write('Info', message, messageId);
  }
  warn(message: string, messageId?: number): void {
    this.write('Warning', message, messageId);
  }
  error(message: string, messageId?: number): void {
    this.write('Error', message, messageId);
  }

  banner(): void {
    this.info(RULER);
    this.info(BANNER);
    this.info(RULER);
  }

  /** values the log never holds, each written as its label (the golden machine's id, set by the seal) */
  private readonly redactions: [string, string][] = [];
  redact(value: string, label: string): void {
    if (value.length >= 8) this.redactions.push([value, label]);
  }

  write(level: LogLevel, message: string, messageId?: number, component = this.component): void {
    for (const [value, label] of this.redactions) if (message.includes(value)) message = message.split(value).join(label);
    // one log line per message line, so every line stays parseable by the grammar
    for (const text of message.split('\n')) {
      const line: LogLine = { time: formatTimestamp(new Date()), level, component, message: text };
      this.lines.push(line);
      const formatted = formatLogLine(line, messageId) + '\n';
      if (this.actFd !== undefined) fs.writeSync(this.actFd, formatted);
      if (level !== 'Info') {
        if (this.errFd !== undefined) fs.writeSync(this.errFd, formatted);
        this.onProblem?.(line);
      }
    }
  }
}
