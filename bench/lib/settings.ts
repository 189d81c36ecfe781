/**
 * Where the benchmarks keep their files, and how they read their settings from the environment.
 * Everything lives under the test cache ($SYSPREP_TEST_CACHE), outside the repository.
 */
import * as path from 'node:path';
import { CACHE_DIR } from '../../test/fixtures/roots.js';

export { CACHE_DIR };
/** cached benchmark inputs (images, roots) and the results files */
export const BENCH_DIR = path.join(CACHE_DIR, 'bench');
/** scratch roots and images, private to one run */
export const WORK_DIR = path.join(CACHE_DIR, 'work');

/** A positive integer from the environment, or `dflt` when unset or not one. */
export function positiveInt(v: string | undefined, dflt: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : dflt;
}
