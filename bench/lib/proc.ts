// What every child process of the benchmark shares: its configuration from
// argv, one JSON result line on stdout, and a full garbage collection.
import { setTimeout as sleep } from 'node:timers/promises';

/** The marker a child prints before its one JSON result line. */
export const RESULT_PREFIX = '@@bench-result ';

/** The configuration the parent passed as the first argument, as JSON. */
export function config<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('this is a benchmark child process: run it through bench/run.ts');
  return JSON.parse(raw) as T;
}

/** Prints the result for the parent and ends the process. */
export function emit(result: unknown): never {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
  // Wait for the write to flush; exit happens in the callback.
  return undefined as never;
}

/** Runs `main`, emitting its result, or printing the error and exiting 1. */
export function runChild<T>(main: () => Promise<T>): void {
  main().then(
    (result) => emit(result),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

const gcFn = (globalThis as { gc?: () => void }).gc;

/**
 * Collects garbage until the heap stops shrinking (finalizers get a turn
 * between rounds), and returns the memory usage after it. Without
 * `--expose-gc` it only lets pending work run.
 */
export async function collect(rounds = 4): Promise<NodeJS.MemoryUsage> {
  if (gcFn === undefined) {
    await sleep(20);
    return process.memoryUsage();
  }
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    gcFn();
    await sleep(5);
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 1024) break;
    last = used;
  }
  gcFn();
  return process.memoryUsage();
}

export { sleep };

/** Milliseconds since an arbitrary start, with sub-millisecond precision. */
export const now = (): number => performance.now();

/**
 * Counts objects created by versions of a plugin and how many of them have
 * been garbage-collected. Plugins call `globalThis.__benchTrack(object)`
 * once per evaluated version.
 */
export function installTracker(): { readonly tracked: number; readonly collected: number } {
  const state = { tracked: 0, collected: 0 };
  const registry = new FinalizationRegistry<number>(() => {
    state.collected++;
  });
  (globalThis as { __benchTrack?: (o: object) => void }).__benchTrack = (o: object) => {
    state.tracked++;
    registry.register(o, state.tracked);
  };
  return state;
}

/** What a plugin version hands the host when it is evaluated (for tools with no plugin API). */
export interface ServedApi {
  value(): string;
  size(): number;
}

/**
 * Installs `globalThis.__benchServe`, which every non-hotswap plugin version
 * calls when it is evaluated, and returns a way to read the newest version
 * and to wait for the next one.
 */
export function installServe(): { current(): ServedApi | undefined; next(): Promise<ServedApi>; drop(): void } {
  let current: ServedApi | undefined;
  let waiting: ((api: ServedApi) => void) | undefined;
  (globalThis as { __benchServe?: (api: ServedApi) => void }).__benchServe = (api: ServedApi) => {
    current = api;
    const w = waiting;
    waiting = undefined;
    w?.(api);
  };
  return {
    current: () => current,
    next: () => new Promise<ServedApi>((resolve) => (waiting = resolve)),
    drop: () => (current = undefined),
  };
}
