#!/usr/bin/env node
// Runs every compiled test file with Node's built-in test runner (its summary prints "# pass N" and
// "# fail N"). Test files run one at a time: they share the debootstrap cache and loop devices, and
// this machine has two cores. Pass file-name filters as arguments to run a subset. Each file's time is
// printed on stderr at the end (scripts/test-times.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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
const reporters = [
  '--test-reporter=tap', '--test-reporter-destination=stdout',
  `--test-reporter=${new URL('./test-times.mjs', import.meta.url).pathname}`, '--test-reporter-destination=stderr',
];
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...reporters, ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
