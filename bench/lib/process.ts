/**
 * The benchmark process itself: progress notes on stderr, things to undo when the run is interrupted
 * or fails (scratch roots, mounts, half-built caches), and the exit code of main().
 */

/** A progress note on stderr ("# …"); stdout holds only the report. */
export const note = (s: string): void => void process.stderr.write(`# ${s}\n`);

const undo: (() => void)[] = [];

/** Have `fn` run on SIGINT, SIGTERM or a failed main(); the returned function withdraws it. */
export function onCleanup(fn: () => void): () => void {
  undo.push(fn);
  return () => {
    const i = undo.lastIndexOf(fn);
    if (i >= 0) undo.splice(i, 1);
  };
}

/** Undo everything still registered, the latest first, best effort. */
export function cleanup(): void {
  while (undo.length) bestEffort(undo.pop()!);
}

/** Run fn; a failure is noted on stderr, not thrown. */
function bestEffort(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    note(`cleanup: ${(err as Error).message}`);
  }
}

/**
 * Run fn with `dispose` registered for an interrupted run, and dispose afterwards either way (when fn
 * returns a promise: once it settles). A failing dispose is noted, not thrown.
 */
export function disposing<T>(dispose: () => void, fn: () => T): T {
  const off = onCleanup(dispose);
  const done = () => {
    off();
    bestEffort(dispose);
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    done();
    throw err;
  }
  if (result instanceof Promise) return result.finally(done) as T;
  done();
  return result;
}

/** Run the benchmark: undo on signals, exit with main's code, or print the error and exit 1. */
export function runBenchmark(main: () => Promise<number>): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      cleanup();
      process.exit(130);
    });
  }
  main().then(
    (code) => process.exit(code),
    (err) => {
      cleanup();
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
