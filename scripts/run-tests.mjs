#!/usr/bin/env node
// Runs every compiled test file with Node's built-in test runner, one `node --test` process per file,
// and prints each file's TAP as the file ends (top-level test points numbered across the run), then
// one summary: "# pass N" and "# fail N" for the whole run, and each file's wall time, slowest first
// (also kept in $CACHE/test-times.json). Pass file-name filters as arguments to run a subset.
//
// SYSPREP_TEST_JOBS files run at once (default 2). On a two-core machine a QEMU boot with two vCPUs
// is only a quarter faster than with one (TCG), so two files at once, each guest with one vCPU
// (SYSPREP_TEST_CPUS, unless set), get through the boots about a third sooner, and a file waiting on
// the network or the disk (debootstrap, apt) no longer holds the others. The files share the cached
// roots and images (each built once, under a lock) and nothing else. The longest files start first:
// by the last run's times, else the ones that boot QEMU.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['dist/src', 'dist/test'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
for (const r of roots) {
  try { walk(r); } catch { /* no such tree */ }
}
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (!selected.length) {
  console.error('no test files matched');
  process.exit(1);
}

const jobs = Math.max(1, Number(process.env.SYSPREP_TEST_JOBS ?? 2) || 1);
const { CACHE_DIR } = await import(new URL('../dist/test/fixtures/roots.js', import.meta.url).href);
const timesFile = join(CACHE_DIR, 'test-times.json');
let last = {};
try { last = JSON.parse(readFileSync(timesFile, 'utf8')); } catch { /* no earlier run */ }
const boots = (f) => /harness\/(qemu|first-boot)\.js/.test(readFileSync(f, 'utf8'));
const weight = new Map(selected.map((f) => [f, last[f] ?? (boots(f) ? 600_000 : 0)]));
const queue = [...selected].sort((a, b) => weight.get(b) - weight.get(a));

const env = { ...process.env };
if (jobs > 1 && env.SYSPREP_TEST_CPUS === undefined) env.SYSPREP_TEST_CPUS = '1';
const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(\.\d+)?)$/;
const totals = { tests: 0, suites: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const times = {};
const failed = []; // "file: test: the error's first lines", printed again at the end (CI logs keep the tail)
let point = 0;
let crashed = 0;
const started = Date.now();

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code, signal) => {
      times[file] = Date.now() - t0;
      const lines = [];
      let sawSummary = false;
      for (const line of Buffer.concat(out).toString('utf8').split('\n')) {
        if (line === 'TAP version 13' || /^1\.\.\d+$/.test(line)) continue;
        const m = SUMMARY.exec(line);
        if (m) {
          sawSummary = true;
          if (m[1] in totals) totals[m[1]] += Number(m[2]);
          continue;
        }
        const p = /^(not )?ok \d+ (.*)$/.exec(line);
        lines.push(p ? `${p[1] ?? ''}ok ${++point} ${p[2]}` : line);
      }
      // each failed test, with its error's start (a suite that failed because of its tests is not repeated)
      lines.forEach((line, i) => {
        const m = /^\s*not ok \d+ - (.*)$/.exec(line);
        if (!m) return;
        const at = lines.slice(i + 1, i + 40).findIndex((l) => /^\s*error: /.test(l));
        const head = at < 0 ? '' : lines[i + 1 + at].replace(/^\s*error: /, '').trim();
        if (/^'?\d+ subtests? failed'?$/.test(head)) return;
        const rest = [];
        for (const l of at < 0 ? [] : lines.slice(i + 2 + at, i + 6 + at)) {
          if (/^\s*(code|name|expected|actual|operator|stack|failureType|location|generatedMessage): /.test(l)) break;
          if (l.trim()) rest.push(l.trim());
        }
        const error = [head === '|-' ? '' : head, ...rest].filter(Boolean).join(' | ').slice(0, 400);
        failed.push(`${file}: ${m[1]}${error ? `: ${error}` : ''}`);
      });
      if (!sawSummary || (code !== 0 && signal)) {
        // the file's process died before its summary: a failure of its own
        crashed += 1;
        lines.push(`not ok ${++point} - ${file} (the test process ended: ${signal ?? `exit code ${code}`})`);
        totals.tests += 1;
        totals.fail += 1;
      }
      process.stdout.write(`# file ${file}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n${lines.join('\n').replace(/\n+$/, '')}\n`);
      const e = Buffer.concat(err).toString('utf8');
      if (e.trim()) process.stderr.write(e);
      resolve();
    });
  });
}

process.stdout.write('TAP version 13\n');
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  for (let f = queue.shift(); f; f = queue.shift()) await runFile(f);
}));

// the next run's order: this run's times (a subset's run updates its own files only)
try {
  writeFileSync(timesFile, `${JSON.stringify({ ...last, ...times }, null, 1)}\n`);
} catch { /* no cache directory */ }
const rows = Object.entries(times).sort((a, b) => b[1] - a[1]);
process.stdout.write(`1..${point}\n`);
process.stdout.write(`# test files: ${rows.length} (${jobs} at a time), wall ${((Date.now() - started) / 60000).toFixed(1)} min; slowest:\n`);
for (const [file, ms] of rows.slice(0, 25)) process.stdout.write(`#   ${(ms / 1000).toFixed(1).padStart(7)} s  ${file}\n`);
for (const f of failed) process.stdout.write(`# FAILED ${f.replace(/\n/g, ' ')}\n`);
for (const [k, v] of Object.entries(totals)) process.stdout.write(`# ${k} ${v}\n`);
process.exit(totals.fail > 0 || crashed > 0 ? 1 : 0);
