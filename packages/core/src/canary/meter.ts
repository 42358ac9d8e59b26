// What a canary judges by: calls, errors and latency of one generation,
// counted only while a canary runs.

/** Latency buckets: bucket i holds calls that took [FLOOR·GROWTH^i, FLOOR·GROWTH^(i+1)) ms. */
const FLOOR_MS = 0.001;
const GROWTH = 1.2;
const BUCKETS = 120;
const LOG_GROWTH = Math.log(GROWTH);

/** Calls, errors and a latency histogram: what one generation did while a canary ran. Plain data, so counts from several workers add up. */
export interface MeterCounts {
  calls: number;
  errors: number;
  /** Timed calls per latency bucket (see `latencyOf`): every call at first, then a sample. */
  buckets: number[];
}

/** The counts of one generation as the status shows them. */
export interface MeterSnapshot {
  /** Calls through `invoke` and handles that finished (returned, threw, settled). */
  calls: number;
  /** Of those, the ones that threw or rejected. */
  errors: number;
  /** errors / calls, 0 without calls. */
  errorRate: number;
  /** Median latency, in milliseconds (0 without calls). */
  p50Ms: number;
  /** 99th percentile latency, in milliseconds (0 without calls). */
  p99Ms: number;
}

/** Every call is timed until this many; then one in `SAMPLE_EVERY`. */
const TIME_ALL = 1024;
const SAMPLE_EVERY = 16;

/**
 * Counts one generation's calls: every call and every error, and the
 * latency of the first calls and then of one call in sixteen (a clock read
 * costs more than the call it would time). `start` and `record` are all a
 * metered call does. @internal
 */
export class Meter {
  calls = 0;
  errors = 0;
  #started = 0;
  readonly #buckets = new Float64Array(BUCKETS);

  /** When the call starting now is timed, its start (performance.now()); else -1. */
  start(): number {
    const n = this.#started++;
    return n < TIME_ALL || n % SAMPLE_EVERY === 0 ? performance.now() : -1;
  }

  /** A call that started at `startedAt` (from `start()`) just finished. */
  record(startedAt: number, failed: boolean): void {
    this.calls++;
    if (failed) this.errors++;
    if (startedAt >= 0) this.#buckets[bucketOf(performance.now() - startedAt)]!++;
  }

  counts(): MeterCounts {
    return { calls: this.calls, errors: this.errors, buckets: Array.from(this.#buckets) };
  }
}

function bucketOf(ms: number): number {
  if (!(ms > FLOOR_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.floor(Math.log(ms / FLOOR_MS) / LOG_GROWTH));
}

/** Adds up counts, from several generations' meters or several workers. */
export function combine(all: readonly MeterCounts[]): MeterCounts {
  const buckets = new Array<number>(BUCKETS).fill(0);
  let calls = 0;
  let errors = 0;
  for (const c of all) {
    calls += c.calls;
    errors += c.errors;
    c.buckets.forEach((n, i) => {
      if (i < BUCKETS) buckets[i]! += n;
    });
  }
  return { calls, errors, buckets };
}

/** The latency, in ms, under which a fraction `q` (0..1) of the calls finished: the upper edge of its bucket. */
export function latencyOf(counts: MeterCounts, q: number): number {
  const total = counts.buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.buckets.length; i++) {
    seen += counts.buckets[i]!;
    if (seen >= rank) return FLOOR_MS * GROWTH ** (i + 1);
  }
  return FLOOR_MS * GROWTH ** counts.buckets.length;
}

export function snapshotOf(counts: MeterCounts): MeterSnapshot {
  return {
    calls: counts.calls,
    errors: counts.errors,
    errorRate: counts.calls === 0 ? 0 : counts.errors / counts.calls,
    p50Ms: latencyOf(counts, 0.5),
    p99Ms: latencyOf(counts, 0.99),
  };
}
