/**
 * Benchmark inputs built once and cached under $SYSPREP_TEST_CACHE/bench: read back while their stamp
 * still matches (the source was not rebuilt, the recipe did not change), otherwise built under a lock
 * so that concurrent runs build them once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withLock } from '../../test/fixtures/roots.js';

/**
 * What `read` returns when it finds a valid build (any error counts as none); otherwise, under
 * `lock`, what another process built meanwhile, or what `build` makes.
 */
export function cachedBuild<T>(lock: string, read: () => T | undefined, build: () => T): T {
  const tryRead = (): T | undefined => {
    try {
      return read();
    } catch {
      return undefined; /* not built */
    }
  };
  return tryRead() ?? withLock(lock, () => tryRead() ?? build());
}

/** The JSON stamp file a build left, parsed (throws when there is none). */
export const readStamp = (file: string): Record<string, any> => JSON.parse(fs.readFileSync(file, 'utf8'));

/** When the cached used root was last (re)built: builds made from it are stale when this changes. */
export const usedRootStamp = (used: string): number => fs.statSync(path.join(used, '.planted')).mtimeMs;
