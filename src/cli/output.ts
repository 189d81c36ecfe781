/**
 * What a person sees: a live progress line per provider on a terminal (one finished line per provider
 * when stdout is not a terminal), a summary at the end; nothing but errors with /quiet; one JSON
 * document with --json.
 */
import type { ProviderResult, RunObserver, RunReport } from '../seal/run.js';
import { PATHS } from '../model/paths.js';
import type { Provider } from '../providers/api.js';

export interface OutputMode {
  quiet: boolean;
  json: boolean;
  tty: boolean;
}

const STATUS_WORD: Record<ProviderResult['status'], string> = {
  done: 'done',
  'already-done': 'done before',
  'not-applicable': 'n/a',
  failed: 'FAILED',
  'not-run': 'not run',
};

export function progressObserver(mode: OutputMode, out: NodeJS.WriteStream = process.stdout): RunObserver {
  if (mode.json || mode.quiet) return {
    problem(line) {
      // stdout may be the JSON document; errors still reach the screen, on stderr
      if (line.level === 'Error') process.stderr.write(`sysprep: ${line.message}\n`);
    },
  };
  const width = (n: number) => String(n).length;
  const prefix = (i: number, total: number) => `[${String(i).padStart(width(total))}/${total}]`;
  let changes = 0;
  return {
    providerStarted(p: Provider, i, total) {
      changes = 0;
      if (mode.tty) out.write(`\r\x1b[K${prefix(i, total)} ${p.id} …`);
    },
    change() {
      changes++;
    },
    providerFinished(r, i, total) {
      const what = r.status === 'failed' ? r.error : r.notes.join('; ') || (r.status === 'done' ? 'nothing to do' : '');
      const line = `${prefix(i, total)} ${r.id.padEnd(24)} ${STATUS_WORD[r.status].padEnd(8)} ${what ?? ''}`.trimEnd();
      out.write(mode.tty ? `\r\x1b[K${line}\n` : `${line}\n`);
    },
    problem(line) {
      if (line.level === 'Error') process.stderr.write(`sysprep: ${line.message}\n`);
      else if (mode.tty) out.write(`\r\x1b[Kwarning: ${line.message}\n`);
      else process.stderr.write(`warning: ${line.message}\n`);
    },
  };
}

export function printSummary(report: RunReport, mode: OutputMode, out: NodeJS.WriteStream = process.stdout): void {
  if (mode.json) {
    out.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  if (mode.quiet) return;
  const ran = report.providers.filter((p) => p.status === 'done' || p.status === 'already-done').length;
  const n = report.changed.length;
  const where = (file: string) => (report.image ? `${file} in the image ${report.target}` : `${report.target === '/' ? '' : report.target}${file}`);
  if (report.dryRun) {
    for (const c of report.changed) out.write(`  would be ${c.action.padEnd(9)} ${c.path}${c.detail ? ` (${c.detail})` : ''}   [${c.by}]\n`);
    out.write(`Dry run: ${ran} providers ran; ${n} paths would change; nothing was written. ` +
      `State would be ${report.stateAfter}.\n`);
  } else if (report.succeeded) {
    out.write(`Sysprep succeeded: ${ran} providers, ${n} paths changed. Image state: ${report.stateAfter}.\n` +
      (report.verify ? `${report.verify.verdict}${report.verify.findings.length ? ` (each is in ${where(`${PATHS.sysprepPanther}/setupact.log`)}; sysprep verify --root … lists them)` : ''}\n` : '') +
      `Log: ${where(`${PATHS.sysprepPanther}/setupact.log`)}\n`);
  } else if (report.verify && report.stateAfter === 'IMAGE_STATE_UNDEPLOYABLE' && report.providers.every((p) => p.status !== 'failed')) {
    out.write(`${report.verify.verdict}: the seal is not proven (--verify fail). Image state: ${report.stateAfter}.\n` +
      `Review ${where(`${PATHS.sysprepPanther}/setuperr.log`)}, remove what it names or allow it in ${PATHS.verifyAllow}, and run the same command again.\n`);
  } else {
    out.write(`A fatal error occurred while trying to sysprep the machine. Image state: ${report.stateAfter}.\n` +
      `Review ${where(`${PATHS.sysprepPanther}/setuperr.log`)}, fix the cause, ` +
      `and run the same command again: completed providers are not repeated.\n`);
  }
}
