/**
 * Reporting: number formats, plain-text tables (first column left-aligned, the others right-aligned)
 * and the results file, $SYSPREP_TEST_CACHE/bench/NAME-latest.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DIR } from './settings.js';

/** seconds: three decimals under 10 s, one above ("0.412 s", "38.5 s") */
export const fmtS = (s: number): string => (s < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`);
/** KiB as whole MiB, "-" when unknown */
export const fmtMiB = (kib: number | undefined): string => (kib === undefined || !Number.isFinite(kib) ? '-' : `${(kib / 1024).toFixed(0)} MiB`);
/** one decimal, "-" when not a number */
export const f1 = (s: number): string => (Number.isFinite(s) ? s.toFixed(1) : '-');
/** one decimal with its sign ("+3.2", "-0.4"), "-" when not a number */
export const signed = (s: number): string => (Number.isFinite(s) ? `${s >= 0 ? '+' : ''}${s.toFixed(1)}` : '-');
/** three decimals, "-" when not a number */
export const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '-');
/** bytes as MiB with one decimal */
export const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
export const passFail = (b: boolean): string => (b ? 'PASS' : 'FAIL');

/** The table's lines: the head, optionally a rule of dashes under it, then the rows. */
export function table(head: string[], rows: string[][], options: { rule?: boolean } = {}): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...(options.rule ? [line(widths.map((w) => '-'.repeat(w)))] : []), ...rows.map(line)];
}

/** Where the benchmark `name` writes its results. */
export const resultsFile = (name: string): string => path.join(BENCH_DIR, `${name}-latest.json`);

/** Write the results as indented JSON to resultsFile(name) and return that path. */
export function writeResults(name: string, results: unknown): string {
  const file = resultsFile(name);
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}
