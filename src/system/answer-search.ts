/**
 * Finding the answer file for a pass (SPEC 5, "Implicit answer-file search"), checking it, and the
 * cache in the target. The first candidate that has unprocessed settings for the pass wins; every
 * candidate is logged with why it was taken or skipped. `/unattend:FILE` wins over all of them and
 * overwrites the cache.
 *
 *  1. kernel command line `sysprep.unattend=PATH` (running system only: the host's command line says
 *     nothing about an offline root)
 *  -  at a clone's first boot (SPEC 10), the per-clone channels: the systemd credential
 *     sysprep.unattend, config drives (cidata, config-2), cloud metadata user-data — before the cache,
 *     unless the file a channel offers is the one an earlier pass of this clone took (PER_CLONE_TAKEN):
 *     then the cache, that file with its passes marked processed, stands for it
 *  2. /var/lib/sysprep/unattend.xml, the cache
 *  3. unattend.xml or autounattend.xml at the root of a mounted removable or read-only medium, or of
 *     a file system labelled SYSPREP or OEMDRV (running system only)
 *  4. /etc/sysprep/unattend.xml
 *  5. /unattend.xml
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { SysprepError } from '../model/errors.js';
import type { PantherLog } from './panther.js';
import { PATHS } from '../model/paths.js';
import { RootFs } from '../rootfs/rootfs.js';
import { checkAnswerFile } from '../answer-file/check.js';
import { hasSettingsForPass, parseAnswerFile, type AnswerFileDocument } from '../answer-file/reader.js';
import { type AnswerPass } from '../model/passes.js';
import { AnswerFileError, MAX_ANSWER_FILE_BYTES } from '../answer-file/xml.js';
import { mountedDevices } from './mounts.js';
import { PER_CLONE_ORIGINS, type PerCloneOrigin } from '../model/per-clone.js';
import type { PerCloneCandidate } from './per-clone/index.js';

export type AnswerFileOrigin = 'explicit' | 'kernel-cmdline' | PerCloneOrigin | 'cache' | 'media' | 'etc' | 'root';

export const isPerClone = (origin: AnswerFileOrigin): origin is PerCloneOrigin => (PER_CLONE_ORIGINS as readonly string[]).includes(origin);

/** What identifies a per-clone answer file between passes (PER_CLONE_TAKEN): the digest of its bytes. */
export const answerDigest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The per-clone channels' offers at a clone's boot, and the digest of the one an earlier pass took. */
export interface PerCloneSearch {
  candidates: PerCloneCandidate[];
  taken?: string;
}

export interface FoundAnswerFile {
  doc: AnswerFileDocument;
  /** where it was read: a host path (explicit, kernel, media) or a path in the target */
  source: string;
  origin: AnswerFileOrigin;
  warnings: number;
  /** a per-clone file: the digest of its bytes */
  digest?: string;
}

/** Parse and check; a file that cannot be read or breaks the rules is bad input (exit 2). */
export function loadCheckedAnswerFile(bytes: Uint8Array, label: string): { doc: AnswerFileDocument; warnings: number } {
  let doc: AnswerFileDocument;
  try {
    doc = parseAnswerFile(bytes, label);
  } catch (err) {
    if (err instanceof AnswerFileError) throw new SysprepError('usage', `answer file ${err.message}`);
    throw err;
  }
  const report = checkAnswerFile(doc);
  if (!report.valid) {
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0]!;
    const where = first.setting ? ` [${first.pass ? first.pass + ' pass, ' : ''}${first.component ?? ''}/${first.setting}]` : first.component ? ` [${first.component}]` : '';
    throw new SysprepError(
      'usage',
      `answer file ${first.file}:${first.line}:${first.column}: ${first.message}${where}` +
        (errors.length > 1 ? ` (and ${errors.length - 1} more errors: run "sysprep unattend check ${label}")` : ''),
    );
  }
  return { doc, warnings: report.warnings };
}

function readHostFile(file: string): Uint8Array | undefined {
  try {
    const st = nodefs.statSync(file);
    if (!st.isFile()) return undefined;
    if (st.size > MAX_ANSWER_FILE_BYTES) throw new SysprepError('usage', `answer file ${file}: ${st.size} bytes is too large (at most ${MAX_ANSWER_FILE_BYTES})`);
    return nodefs.readFileSync(file);
  } catch (err) {
    if (err instanceof SysprepError) throw err;
    return undefined;
  }
}

/** The explicit /unattend:FILE (a file of the machine sysprep runs on). */
export function loadExplicitAnswerFile(file: string): FoundAnswerFile {
  const bytes = readHostFile(file);
  if (!bytes) throw new SysprepError('usage', `/unattend:${file}: no such file (or not a regular file)`);
  const { doc, warnings } = loadCheckedAnswerFile(bytes, file);
  return { doc, source: path.resolve(file), origin: 'explicit', warnings };
}

interface Candidate {
  origin: AnswerFileOrigin;
  /** path in the target (read through RootFs) or, with `host`, a path of the running system */
  path: string;
  host?: boolean;
  /** read already (a per-clone channel) */
  bytes?: Uint8Array;
}

/** unattend.xml / autounattend.xml at the root of removable, read-only or SYSPREP/OEMDRV media. */
function mediaCandidates(): Candidate[] {
  const out: Candidate[] = [];
  for (const { dev, realDev, mountPoint, fstype, options } of mountedDevices()) {
    if (mountPoint === '/') continue;
    const name = path.basename(realDev);
    const sys = `/sys/class/block/${name}`;
    const removable = ['removable', '../removable'].some((f) => {
      try {
        return nodefs.readFileSync(path.join(sys, f), 'utf8').trim() === '1';
      } catch {
        return false;
      }
    });
    const readOnly = options.includes('ro') || fstype === 'iso9660' || fstype === 'udf';
    const label = spawnSync('blkid', ['-s', 'LABEL', '-o', 'value', dev], { encoding: 'utf8' }).stdout?.trim() ?? '';
    if (!removable && !readOnly && !['SYSPREP', 'OEMDRV'].includes(label.toUpperCase())) continue;
    let names: string[] = [];
    try {
      names = nodefs.readdirSync(mountPoint);
    } catch {
      continue;
    }
    for (const wanted of ['unattend.xml', 'autounattend.xml']) {
      const found = names.find((n) => n.toLowerCase() === wanted);
      if (found) out.push({ origin: 'media', path: path.join(mountPoint, found), host: true });
    }
  }
  return out;
}

/**
 * The implicit search for `pass`. Returns undefined when no candidate has settings for it. A candidate
 * that exists but cannot be read or is invalid is an error: the person put it there to be used.
 */
export function findAnswerFile(fs: RootFs, pass: AnswerPass, log: PantherLog, perClone?: PerCloneSearch): FoundAnswerFile | undefined {
  const running = fs.root === '/';
  const candidates: Candidate[] = [];
  if (running) {
    const cmdline = (() => {
      try {
        return nodefs.readFileSync('/proc/cmdline', 'utf8');
      } catch {
        return '';
      }
    })();
    const m = /(?:^|\s)sysprep\.unattend=(\S+)/.exec(cmdline);
    if (m) candidates.push({ origin: 'kernel-cmdline', path: m[1]!, host: true });
    else log.info('Answer file search 1 (kernel command line): no sysprep.unattend= on it');
  } else {
    log.info('Answer file search 1 (kernel command line): skipped, the target is not the running system');
  }
  if (perClone) {
    for (const c of perClone.candidates) candidates.push({ origin: c.origin, path: c.where, host: true, bytes: c.bytes });
  } else {
    log.info('Answer file per-clone channels (credential, config drive, metadata): read at a clone\'s first boot only');
  }
  candidates.push({ origin: 'cache', path: PATHS.cachedUnattend });
  if (running) candidates.push(...mediaCandidates());
  else log.info('Answer file search 3 (removable and labelled media): skipped, the target is not the running system');
  candidates.push({ origin: 'etc', path: '/etc/sysprep/unattend.xml' }, { origin: 'root', path: '/unattend.xml' });

  for (const c of candidates) {
    const where = c.host ? c.path : `${c.path} (in the target)`;
    let bytes: Uint8Array | undefined;
    if (c.bytes) {
      bytes = c.bytes;
      if (perClone?.taken && answerDigest(bytes) === perClone.taken) {
        log.info(`Answer file candidate ${where} [${c.origin}]: skipped, an earlier pass of this clone took it; the cache holds what is left of it`);
        continue;
      }
    } else if (c.host) bytes = readHostFile(c.path);
    else {
      const st = fs.stat(c.path);
      if (st?.isFile()) {
        if (st.size > MAX_ANSWER_FILE_BYTES) throw new SysprepError('usage', `answer file ${c.path}: ${st.size} bytes is too large`);
        bytes = nodefs.readFileSync(fs.resolve(c.path));
      }
    }
    if (!bytes) {
      log.info(`Answer file candidate ${where} [${c.origin}]: skipped, not present`);
      continue;
    }
    const { doc, warnings } = loadCheckedAnswerFile(bytes, c.path);
    if (!hasSettingsForPass(doc, pass)) {
      log.info(`Answer file candidate ${where} [${c.origin}]: skipped, no unprocessed settings for the ${pass} pass`);
      continue;
    }
    log.info(`Answer file candidate ${where} [${c.origin}]: taken, it has settings for the ${pass} pass`);
    return { doc, source: c.path, origin: c.origin, warnings, ...(isPerClone(c.origin) ? { digest: answerDigest(bytes) } : {}) };
  }
  log.info(`Answer file: none has settings for the ${pass} pass`);
  return undefined;
}
