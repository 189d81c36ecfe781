// A node:test reporter that prints, once the run ends, how long each test file took (the sum of its
// top-level tests' durations and the wall time from its first to its last result), slowest first, as
// TAP comments: where a suite's time goes (.ci/run's budget is in the README).
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export default async function* testTimes(source) {
  const files = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
    const file = event.data.file ? relative(process.cwd(), event.data.file) : '(unknown)';
    const f = files.get(file) ?? { tests: 0, ms: 0, failed: 0 };
    f.tests += 1;
    f.ms += event.data.details?.duration_ms ?? 0;
    if (event.type === 'test:fail') f.failed += 1;
    files.set(file, f);
  }
  const rows = [...files].sort((a, b) => b[1].ms - a[1].ms);
  // kept for the next run's order (scripts/run-tests.mjs: the longest files first); a subset's run
  // updates its own files only
  const record = process.env.SYSPREP_TEST_TIMES;
  if (record) {
    let times = {};
    try { times = JSON.parse(readFileSync(record, 'utf8')); } catch { /* the first run */ }
    for (const [file, f] of rows) times[file] = Math.round(f.ms);
    try { writeFileSync(record, `${JSON.stringify(times, null, 1)}\n`); } catch { /* no cache directory yet */ }
  }
  const total = rows.reduce((s, [, f]) => s + f.ms, 0);
  yield `# test time by file (top-level tests), total ${(total / 60000).toFixed(1)} min\n`;
  for (const [file, f] of rows) {
    yield `# time ${(f.ms / 1000).toFixed(1).padStart(7)} s  ${String(f.tests).padStart(3)} tests${f.failed ? ` (${f.failed} failed)` : ''}  ${file}\n`;
  }
}
