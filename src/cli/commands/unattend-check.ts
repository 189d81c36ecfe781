/**
 * `sysprep unattend check FILE [--json]`: validates an answer file like WSIM does and says, per pass, what each
 * setting will do on Linux, with every error and warning and its line. Exit 0 when the file is valid, 2 when
 * it is not (or cannot be read). Secrets of the file never appear in the output.
 */
import { readFile } from 'node:fs/promises';
import {
  AnswerFileError,
  checkAnswerFile,
  componentSpec,
  listSensitiveStrings,
  parseAnswerFile,
  type CheckReport,
  type Diagnostic,
} from '../../answer-file/index.js';
import { usageError } from '../../model/errors.js';
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
  try {
    const doc = parseAnswerFile(bytes, file);
    redact = redactor(listSensitiveStrings(doc));
    report = checkAnswerFile(doc);
  } catch (e) {
    if (!(e instanceof AnswerFileError)) throw e;
    const d: Diagnostic = { severity: 'error', code: e.code, file: e.file, line: e.line, column: e.column, message: e.detail };
    report = { file, valid: false, loadError: d, passes: [], diagnostics: [d], errors: 1, warnings: 0 };
  }
  const text = json ? JSON.stringify(report, null, 2) + '\n' : formatCheckReport(report);
  process.stdout.write(redact(text));
  return report.valid ? 0 : 2;
}
