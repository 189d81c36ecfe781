/**
 * Image state (SPEC 4): `/var/lib/sysprep/state/State.ini`, `[State] ImageState="…"`, plus the
 * per-run progress record that lets a rerun after a crash finish the job without redoing what must
 * not be done twice, and the OS version recorded when sysprep first came into the image.
 */
import { RootFs } from '../rootfs/rootfs.js';
import { isImageState, type ImageState } from '../model/image-state.js';
import type { Mode } from '../model/passes.js';
import { PATHS } from '../model/paths.js';

export type { ImageState } from '../model/image-state.js';

export interface IniSections {
  [section: string]: Record<string, string>;
}

export function parseIni(text: string): IniSections {
  const out: IniSections = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      out[section] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    (out[section] ??= {})[line.slice(0, eq).trim()] = value;
  }
  return out;
}

export function formatIni(sections: IniSections): string {
  return (
    Object.entries(sections)
      .map(([name, kv]) => `[${name}]\n` + Object.entries(kv).map(([k, v]) => `${k}="${v}"\n`).join(''))
      .join('\n')
  );
}

export interface StateReport {
  /** undefined: no State.ini, an image sysprep never sealed */
  recorded: ImageState | undefined;
  /** what to report: recorded, or IMAGE_STATE_COMPLETE for a never-sealed image */
  imageState: ImageState;
  neverSealed: boolean;
}

export function readImageState(fs: RootFs): StateReport {
  const text = fs.readText(PATHS.stateIni);
  const value = text === undefined ? undefined : parseIni(text).State?.ImageState;
  const recorded = value !== undefined && isImageState(value) ? value : undefined;
  if (text !== undefined && recorded === undefined) {
    // an unreadable state is treated as a failed phase: never deployable until resealed
    return { recorded: 'IMAGE_STATE_UNDEPLOYABLE', imageState: 'IMAGE_STATE_UNDEPLOYABLE', neverSealed: false };
  }
  return { recorded, imageState: recorded ?? 'IMAGE_STATE_COMPLETE', neverSealed: recorded === undefined };
}

/** Atomic (write, fsync, rename) through the RootFs. */
export function writeImageState(fs: RootFs, state: ImageState): void {
  fs.makeDirectory(PATHS.stateDir, 0o755);
  fs.writeText(PATHS.stateIni, formatIni({ State: { ImageState: state } }), { mode: 0o644, detail: state });
}

// ------------------------------------------------------------------------------------------------
// progress: which providers of which run have completed

export interface RunRequestKey {
  generalize: boolean;
  mode: Mode;
  providers: string[];
}

export interface ProgressRecord {
  runId: string;
  startedAt: string;
  request: RunRequestKey;
  /** provider id → ISO time it completed */
  completed: Record<string, string>;
  finished: boolean;
  succeeded: boolean;
  finishedAt?: string;
  failedProvider?: string;
  failure?: string;
}

export function readProgress(fs: RootFs): ProgressRecord | undefined {
  const text = fs.readText(PATHS.progress);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ProgressRecord;
  } catch {
    return undefined;
  }
}

export function writeProgress(fs: RootFs, record: ProgressRecord): void {
  fs.makeDirectory(PATHS.stateDir, 0o755);
  fs.writeText(PATHS.progress, JSON.stringify(record, null, 2) + '\n', { mode: 0o644 });
}

export function sameRequest(a: RunRequestKey, b: RunRequestKey): boolean {
  return a.generalize === b.generalize && a.mode === b.mode && a.providers.join(',') === b.providers.join(',');
}

// ------------------------------------------------------------------------------------------------
// the OS version sysprep was installed for

export interface InstallRecord {
  osId: string;
  versionId: string;
  installedAt: string;
  sysprepVersion: string;
}

export function readInstallRecord(fs: RootFs): InstallRecord | undefined {
  const text = fs.readText(PATHS.installIni);
  if (text === undefined) return undefined;
  const s = parseIni(text).Install ?? {};
  return {
    osId: s.OsId ?? '',
    versionId: s.VersionId ?? '',
    installedAt: s.InstalledAt ?? '',
    sysprepVersion: s.SysprepVersion ?? '',
  };
}

export function writeInstallRecord(fs: RootFs, rec: InstallRecord): void {
  fs.makeDirectory(PATHS.stateDir, 0o755);
  fs.writeText(
    PATHS.installIni,
    formatIni({
      Install: {
        OsId: rec.osId,
        VersionId: rec.versionId,
        InstalledAt: rec.installedAt,
        SysprepVersion: rec.sysprepVersion,
      },
    }),
    { mode: 0o644 },
  );
}
