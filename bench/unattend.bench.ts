/**
 * Reads and checks all answer files of the shared corpus in one process (issue 3: under 100 ms in total).
 * The files are loaded into memory first; each round parses (decode, DTD refusal, XML, model) and checks
 * every file. Prints the first (cold) round and the best and median of the warm rounds.
 *
 *   npx tsc -p . && node dist/bench/unattend.bench.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnswerFileBytes } from '../src/answer-file/index.js';
import { corpusDir, corpusFiles } from '../src/answer-file/testutil.js';

const files = corpusFiles().map((f) => ({ name: f, bytes: readFileSync(join(corpusDir(), f)) }));
const bytes = files.reduce((n, f) => n + f.bytes.length, 0);

function round(): number {
  const t0 = process.hrtime.bigint();
  let settings = 0;
  for (const f of files) {
    const r = checkAnswerFileBytes(f.bytes, f.name);
    for (const p of r.passes) settings += p.settingCount;
  }
  if (settings === 0) throw new Error('nothing checked');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const cold = round();
const warm: number[] = [];
for (let i = 0; i < 20; i++) warm.push(round());
warm.sort((a, b) => a - b);
const median = warm[Math.floor(warm.length / 2)]!;
console.log(`unattend: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB: cold ${cold.toFixed(1)} ms, warm best ${warm[0]!.toFixed(1)} ms, median ${median.toFixed(1)} ms (target < 100 ms)`);
if (median >= 100) process.exitCode = 1;
