// The measuring loop of the memory case, shared by every contender's child
// process: warm up, take a baseline after collection, reload N times
// sampling the heap after collection, and count the collected versions.
import { getHeapSpaceStatistics } from 'node:v8';
import { collect, now, sleep } from './proc.js';
import { round, summarize, type Summary } from './stats.js';

export interface MemoryConfig {
  reloads: number;
  warmup: number;
  sampleEvery: number;
}

export interface MemorySample {
  reload: number;
  heapMB: number;
  rssMB: number;
}

export interface MemoryResult {
  contender: string;
  reloads: number;
  warmup: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  rssBeforeMB: number;
  rssAfterMB: number;
  heapKBPerReload: number;
  /**
   * Of the heap growth, what is in V8's code space: machine code the JIT
   * compiled for hot functions of the host, the tool and Node itself as the
   * loop warmed them up. It is not held by any version.
   */
  codeKBPerReload: number;
  rssKBPerReload: number;
  /** Versions that were replaced (warm-up included): each could have been collected. */
  oldVersions: number;
  /** Of those, how many were garbage-collected by the end (finalizers). */
  collected: number;
  /** Milliseconds from writing version n to version n serving. */
  reloadMs: Summary;
  /** Saves a file watcher did not pick up within its time limit, so saved again (dynohot, Vite). */
  resaved?: number;
  series: MemorySample[];
}

export interface Contender {
  name: string;
  /** Makes version `n` (n ≥ 1) serve; returns (or resolves) once a call into it answered version n. */
  reloadTo(n: number): Promise<void> | void;
  /** Waits for retired versions to be released (hotswap's OnFree), before a collection. */
  settle?(): Promise<void>;
}

const MB = 1024 * 1024;

/** Runs the loop. Install the tracker (`installTracker()`) before the first version is loaded. */
export async function runLoop(
  contender: Contender,
  cfg: MemoryConfig,
  tracker: { readonly tracked: number; readonly collected: number },
): Promise<MemoryResult> {
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') throw new Error('the memory case needs --expose-gc');
  const measure = async (): Promise<NodeJS.MemoryUsage> => {
    await contender.settle?.();
    return collect();
  };
  let n = 0;
  for (let i = 0; i < cfg.warmup; i++) await contender.reloadTo(++n);
  const before = await measure();
  const codeBefore = codeSpaceUsed();
  const series: MemorySample[] = [{ reload: 0, heapMB: before.heapUsed / MB, rssMB: before.rss / MB }];
  const times: number[] = [];
  for (let i = 1; i <= cfg.reloads; i++) {
    const started = now();
    await contender.reloadTo(++n);
    times.push(now() - started);
    if (i % cfg.sampleEvery === 0 && i !== cfg.reloads) {
      const m = await measure();
      series.push({ reload: i, heapMB: m.heapUsed / MB, rssMB: m.rss / MB });
    }
  }
  const after = await measure();
  const codeAfter = codeSpaceUsed();
  series.push({ reload: cfg.reloads, heapMB: after.heapUsed / MB, rssMB: after.rss / MB });
  // Finalizers run after a collection, on a later turn: give them a few.
  let last = -1;
  for (let i = 0; i < 20 && tracker.collected !== last; i++) {
    last = tracker.collected;
    await collect(1);
    await sleep(20);
  }
  return {
    contender: contender.name,
    reloads: cfg.reloads,
    warmup: cfg.warmup,
    heapBeforeMB: round(before.heapUsed / MB),
    heapAfterMB: round(after.heapUsed / MB),
    rssBeforeMB: round(before.rss / MB),
    rssAfterMB: round(after.rss / MB),
    heapKBPerReload: round((after.heapUsed - before.heapUsed) / 1024 / cfg.reloads),
    codeKBPerReload: round((codeAfter - codeBefore) / 1024 / cfg.reloads),
    rssKBPerReload: round((after.rss - before.rss) / 1024 / cfg.reloads),
    oldVersions: n,
    collected: Math.min(tracker.collected, n),
    reloadMs: roundSummary(summarize(times)),
    series: series.map((s) => ({ reload: s.reload, heapMB: round(s.heapMB), rssMB: round(s.rssMB) })),
  };
}

/** Bytes used in V8's code space (JIT-compiled machine code). */
function codeSpaceUsed(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'code_space')?.space_used_size ?? 0;
}

export function roundSummary(s: Summary): Summary {
  return { n: s.n, p50: round(s.p50), p99: round(s.p99), mean: round(s.mean), min: round(s.min), max: round(s.max) };
}

/** Rejects if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
