#!/usr/bin/env node
// Runs every compiled test file with Node's built-in test runner (its summary prints "# pass N" and
// "# fail N"). Pass file-name filters as arguments to run a subset. Each file's time is printed on
// stderr at the end (scripts/test-times.mjs) and kept in $CACHE/test-times.json.
//
// SYSPREP_TEST_JOBS test files run at once (default 1). On a two-core machine a QEMU boot with two
// vCPUs is only a quarter faster than with one (TCG), so two files at once, each guest with one vCPU
// (SYSPREP_TEST_CPUS, unless set), get through the boots about a third sooner, and a file waiting on
// the network or the disk (debootstrap, apt) no longer holds the other. The files share the cached
// roots and images (each built once, under a lock) and nothing else. The longest files start first:
// by the times of the last run, else the ones that boot QEMU.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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

const jobs = Math.max(1, Number(process.env.SYSPREP_TEST_JOBS ?? 1) || 1);
const { CACHE_DIR } = await import(new URL('../dist/test/fixtures/roots.js', import.meta.url).href);
const timesFile = join(CACHE_DIR, 'test-times.json');
let last = {};
try { last = JSON.parse(readFileSync(timesFile, 'utf8')); } catch { /* no earlier run */ }
const boots = (f) => /harness\/(qemu|first-boot)\.js/.test(readFileSync(f, 'utf8'));
const weight = (f) => last[relative(process.cwd(), f)] ?? (boots(f) ? 600_000 : 0);
const ordered = jobs > 1 ? [...selected].sort((a, b) => weight(b) - weight(a)) : selected;

const env = { ...process.env, SYSPREP_TEST_TIMES: timesFile };
if (jobs > 1 && env.SYSPREP_TEST_CPUS === undefined) env.SYSPREP_TEST_CPUS = '1';
const reporters = [
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  `--test-reporter=${new URL('./test-times.mjs', import.meta.url).pathname}`, '--test-reporter-destination=stderr',
];
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${jobs}`, ...reporters, ...ordered], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
