/**
 * DriverPaths (Microsoft-Windows-PnpCustomizationsNonWinPE, PathAndCredentials/Path): where a path of
 * an answer file is looked for, as Windows resolves it, and what `unattend check` says about it. Pure:
 * what is actually at a path is src/system/drivers.ts's to find out.
 *
 * Resolution (the first candidate that exists wins):
 *   - relative: against the answer file's directory (Windows: relative to the answer file's location);
 *   - absolute: inside the target first (the image's own /opt/drivers), then, for an offline root or
 *     image serviced from this machine, on the host (DISM /Image reads drivers from the servicing
 *     machine);
 *   - a Windows path (a drive letter, `\\server\share`, backslashes): no Linux meaning; checked as a
 *     warning, never found.
 */
import type { AnswerPass } from '../model/passes.js';

export interface DriverPathCandidate {
  /** where the path points: a path of the host, or a path inside the target */
  where: 'host' | 'target';
  path: string;
  /** for people: "relative to the answer file", "inside the image", "on this machine" */
  why: string;
}

export const DRIVER_PATH_RULE = 'a Linux path: relative to the answer file, or absolute (inside the image, or on the servicing machine for an offline image); ' +
  'a Windows path (`C:\\…`, `\\\\server\\share`) draws a warning: it is never found';

const WINDOWS_PATH = /^([A-Za-z]:[\\/]|\\\\|%[A-Za-z]+%)|\\/;

export function isWindowsPath(p: string): boolean {
  return WINDOWS_PATH.test(p.trim());
}

export function driverPathAdvice(p: string): string | undefined {
  if (!isWindowsPath(p)) return undefined;
  return /^\\\\/.test(p.trim())
    ? `"${p}" is a Windows network share; sysprep does not mount shares: mount it (mount -t cifs) before sysprep runs and give its Linux path`
    : `"${p}" is a Windows path; on Linux give a path such as drivers/ (next to the answer file) or /opt/drivers`;
}

/**
 * Where to look for a DriverPaths path. `answerDir`: the answer file's directory (a host path for an
 * offline run, a path of the running system at boot); `offline`: the target is an offline root or image
 * (absolute paths may then also be the host's).
 */
export function driverPathCandidates(p: string, options: { answerDir?: string; offline: boolean }): DriverPathCandidate[] {
  const v = p.trim();
  if (v === '' || isWindowsPath(v)) return [];
  if (!v.startsWith('/')) {
    if (options.answerDir === undefined) return [];
    const base = options.answerDir.endsWith('/') ? options.answerDir : `${options.answerDir}/`;
    return [{ where: options.offline ? 'host' : 'target', path: normalize(`${base}${v}`), why: 'relative to the answer file' }];
  }
  const out: DriverPathCandidate[] = [{ where: 'target', path: normalize(v), why: options.offline ? 'inside the image' : 'on this machine' }];
  if (options.offline) out.push({ where: 'host', path: normalize(v), why: 'on the servicing machine' });
  return out;
}

function normalize(p: string): string {
  const parts: string[] = [];
  for (const s of p.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') parts.pop();
    else parts.push(s);
  }
  return `/${parts.join('/')}`;
}

/** `unattend check`'s line for a PathAndCredentials item. */
export function describeDriverPath(p: string, pass: AnswerPass): string {
  const v = p.trim();
  const when = pass === 'offlineServicing'
    ? 'when an offline root or image is generalized or serviced (sysprep --image FILE /unattend:FILE)'
    : 'at every audit-mode boot';
  if (isWindowsPath(v)) return `a Windows path: nothing is installed from ${JSON.stringify(v)} (give a Linux path)`;
  const where = v.startsWith('/')
    ? pass === 'offlineServicing' ? `${v} (inside the image, else on the servicing machine)` : `${v} (on the clone)`
    : `${v} (relative to the answer file)`;
  return `installs the drivers at ${where} ${when}: .deb/.rpm packages, .ko modules for the kernels they were built for, DKMS sources, firmware`;
}
