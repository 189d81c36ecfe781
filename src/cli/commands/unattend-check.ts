/**
 * `sysprep unattend check FILE [--json]`: validates an answer file like WSIM does and says, per pass, what each
 * setting will do on Linux, with every error and warning and its line. Exit 0 when the file is valid, 2 when
 * it is not (or cannot be read). Secrets of the file never appear in the output.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  AnswerFileError,
  checkAnswerFile,
  componentSpec,
  listSensitiveStrings,
  parseAnswerFile,
  getPassSettings,
  type AnswerFileDocument,
  type CheckReport,
  type Diagnostic,
} from '../../answer-file/index.js';
import * as path from 'node:path';
import { driverPathCandidates, isWindowsPath } from '../../answer-file/driver-paths.js';
import { describeError, usageError } from '../../model/errors.js';
import { classifyPath, describeItem } from '../../system/drivers.js';
import { rejectOptions, type ParsedArgs } from '../args.js';

function redactor(secrets: string[]): (s: string) => string {
  const list = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  if (!list.length) return (s) => s;
  return (s) => {
    let out = s;
    for (const x of list) if (out.includes(x)) out = out.split(x).join('***');
    return out;
  };
}

const shortName = (component: string) => componentSpec(component)?.short ?? component;

function diagLine(d: Diagnostic): string {
  const where = d.setting ? ` [${shortName(d.component ?? '')}/${d.setting}]` : d.component ? ` [${d.component}]` : '';
  return `  line ${String(d.line).padStart(4)}:${String(d.column).padEnd(3)} ${d.severity}: ${d.message}${where}`;
}

/** The human report. */
function formatCheckReport(r: CheckReport): string {
  const out: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : w.endsWith('s') ? 'es' : 's'}`;
  if (r.loadError) {
    const e = r.loadError;
    out.push(`${r.file}:${e.line}:${e.column}: error: ${e.message}`);
    out.push(`${r.file}: INVALID: the answer file cannot be read`);
    return out.join('\n') + '\n';
  }
  const total = r.passes.reduce((n, p) => n + p.settingCount, 0);
  out.push(`${r.file}: ${r.valid ? 'valid' : 'INVALID'}: ${plural(r.passes.length, 'pass')}, ${plural(total, 'setting')}, ${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}`);
  for (const p of r.passes) {
    out.push('');
    const state = [p.runBySysprep ? '' : 'not run by sysprep', p.processed ? 'already processed' : ''].filter(Boolean).join(', ');
    out.push(`pass ${p.pass} (line ${p.line}): ${plural(p.settingCount, 'setting')}${state ? `, ${state}` : ''}`);
    for (const s of p.settings) {
      const name = s.setting ? `${shortName(s.component)}/${s.setting}` : s.component;
      const value = s.value !== undefined ? ` = ${JSON.stringify(s.value.length > 60 ? `${s.value.slice(0, 59)}…` : s.value)}` : '';
      out.push(`  line ${String(s.line).padStart(4)}  ${name}${value} → ${s.linux}`);
    }
    for (const d of r.diagnostics) if (d.pass === p.pass) out.push(diagLine(d));
  }
  const general = r.diagnostics.filter((d) => !d.pass || !r.passes.some((p) => p.pass === d.pass));
  if (general.length) {
    out.push('');
    out.push('file:');
    for (const d of general) out.push(diagLine(d));
  }
  return out.join('\n') + '\n';
}

export async function unattendCheckCommand(args: ParsedArgs): Promise<number> {
  const [file, ...extra] = args.positionals;
  if (!file || extra.length) throw usageError('usage: sysprep unattend check FILE [--json]');
  rejectOptions(args, 'unattend check', ['json']);
  const json = args.options.has('json');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const msg = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    if (json) {
      process.stdout.write(JSON.stringify({ file, valid: false, loadError: { severity: 'error', code: 'unreadable', file, line: 0, column: 0, message: msg } }, null, 2) + '\n');
    } else {
      process.stderr.write(`sysprep: ${file}: ${msg}\n`);
    }
    return 2;
  }
  let report: CheckReport;
  let redact = (s: string) => s;
  let doc: AnswerFileDocument | undefined;
  try {
    doc = parseAnswerFile(bytes, file);
    redact = redactor(listSensitiveStrings(doc));
    report = checkAnswerFile(doc);
  } catch (e) {
    if (!(e instanceof AnswerFileError)) throw e;
    const d: Diagnostic = { severity: 'error', code: e.code, file: e.file, line: e.line, column: e.column, message: e.detail };
    report = { file, valid: false, loadError: d, passes: [], diagnostics: [d], errors: 1, warnings: 0 };
  }
  const drivers = doc ? explainDriverPaths(doc, file) : [];
  const text = json ? JSON.stringify(drivers.length ? { ...report, driverPaths: drivers } : report, null, 2) + '\n'
    : formatCheckReport(report) + (drivers.length ? formatDriverPaths(drivers) : '');
  process.stdout.write(redact(text));
  return report.valid ? 0 : 2;
}

/** What a DriverPaths path will install, as far as this machine can tell (SPEC 11). */
interface DriverPathExplanation {
  pass: 'offlineServicing' | 'auditSystem';
  key: string;
  path: string;
  /** where it was found on this machine, if it was */
  found: string | null;
  installs: string[];
  note: string;
}

function explainDriverPaths(doc: AnswerFileDocument, file: string): DriverPathExplanation[] {
  const out: DriverPathExplanation[] = [];
  const answerDir = path.dirname(path.resolve(file));
  for (const pass of ['offlineServicing', 'auditSystem'] as const) {
    for (const d of getPassSettings(doc, pass).driverPaths) {
      if (d.action === 'remove') continue;
      const e: DriverPathExplanation = { pass, key: d.key, path: d.path, found: null, installs: [], note: '' };
      out.push(e);
      if (isWindowsPath(d.path)) {
        e.note = 'a Windows path: never found on Linux';
        continue;
      }
      const candidates = driverPathCandidates(d.path, { answerDir, offline: true });
      const here = candidates.find((c) => c.where === 'host' && existsSync(c.path));
      if (!here) {
        e.note = pass === 'auditSystem' && d.path.startsWith('/')
          ? 'looked for on the clone at its audit boot (not on this machine)'
          : `not found on this machine (${candidates.map((c) => `${c.path}, ${c.why}`).join('; ') || 'no candidate'}); an absolute path may be inside the image`;
        continue;
      }
      e.found = here.path;
      try {
        e.installs = classifyPath(here.path).items.map(describeItem);
        e.note = `found ${here.why}${pass !== 'auditSystem' ? '' : d.path.startsWith('/') ? ' here; at boot it is looked for on the clone'
          : " here; at the audit boot it is looked for relative to the answer file's directory on the clone (/var/lib/sysprep/ when the file is given to the seal's command line: put the drivers there, or use a path inside the image)"}`;
      } catch (err) {
        e.note = `found ${here.why}, but: ${describeError(err)}`;
      }
    }
  }
  return out;
}

function formatDriverPaths(list: DriverPathExplanation[]): string {
  const out = ['', 'DriverPaths (what each path installs):'];
  for (const d of list) {
    out.push(`  ${d.pass} [${d.key}] ${JSON.stringify(d.path)}: ${d.note}`);
    for (const i of d.installs) out.push(`    - ${i}`);
  }
  return out.join('\n') + '\n';
}
