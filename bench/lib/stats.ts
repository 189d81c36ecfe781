/**
 * Statistics over repeated runs: the median, the spread (min and max), and the two ways the
 * benchmarks interleave their variants so that load from other work on the machine hits all alike
 * (a rotating order per round; a smaller number of runs spread evenly over the rounds).
 */
import type { Sample } from './measure.js';

/** Median of the finite values; NaN when there are none. */
export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Smallest and largest value. */
export function spread(xs: number[]): { min: number; max: number } {
  return { min: Math.min(...xs), max: Math.max(...xs) };
}

/** The variants in the order of round `round`: rotated by one place each round. */
export function rotation<T>(variants: readonly T[], round: number): T[] {
  return variants.map((_, i) => variants[(i + round) % variants.length]!);
}

/** Which of `rounds` rounds get one of `count` runs: spread evenly, the first and the last included. */
export function spreadOver(count: number, rounds: number): Set<number> {
  return new Set(Array.from({ length: count }, (_, j) => (count === 1 ? 0 : Math.round((j * (rounds - 1)) / (count - 1)))));
}

/** What repeated runs of one measured command come to (the JSON keeps these fields). */
export interface Stats {
  runs: number;
  median: number;
  min: number;
  max: number;
  seconds: number[];
  /** median user + system CPU seconds */
  cpuMedian: number;
  /** the largest ru_maxrss over the runs, KiB */
  peakRssKiB: number;
  /** the largest sampled process-tree RSS over the runs, KiB */
  peakTreeRssKiB?: number;
}

export function stats(samples: Sample[]): Stats {
  const seconds = samples.map((s) => s.seconds);
  const trees = samples.map((s) => s.treeRssKiB).filter((x): x is number => x !== undefined);
  return {
    runs: samples.length,
    median: median(seconds),
    ...spread(seconds),
    seconds,
    cpuMedian: median(samples.map((s) => s.cpuSeconds)),
    peakRssKiB: Math.max(...samples.map((s) => s.maxRssKiB)),
    ...(trees.length ? { peakTreeRssKiB: Math.max(...trees) } : {}),
  };
}
