import type { ReloadTotals } from './history.js';
import type { VersionStatus } from '../census.js';
import type { CanaryStatus } from '../canary/run.js';

/** The states a version is counted in by {@link SwapperMetrics}. */
export type CountedState = 'loading' | 'serving' | 'retiring' | 'freed' | 'leaked';

/**
 * The swapper's numbers as a plain object (`swapper.metrics()`): what the
 * admin endpoint's `/metrics` exposes in the Prometheus text format, for
 * hosts that feed another metrics library.
 */
export interface SwapperMetrics {
  /** The id of the serving generation, or undefined before the first load and after close. */
  generation: number | undefined;
  /** Reloads by outcome, and their durations, since the swapper was made. */
  reloads: ReloadTotals;
  /** Versions in each state now. */
  versions: Record<CountedState, number>;
  /** Calls in flight now, in serving and in retiring versions. */
  callsInFlight: { serving: number; retiring: number };
  /** Versions found alive after `leakTimeout`, in all. */
  leaks: number;
  /** Versions garbage-collected, in all. */
  collected: number;
  /** The canary running now: its weight and each side's calls, errors and p99 latency since it started. */
  canary?: CanaryMetrics;
}

/** A running canary's numbers in {@link SwapperMetrics}. */
export interface CanaryMetrics {
  generation: number;
  weight: number;
  calls: { canary: number; baseline: number };
  errors: { canary: number; baseline: number };
  p99Seconds: { canary: number; baseline: number };
}

/** The metrics, from the census's snapshot and the reload counters. @internal */
export function metricsOf(
  census: { versions: readonly VersionStatus[]; collected: number; leaks: number },
  generation: number | undefined,
  reloads: ReloadTotals,
  canary: CanaryStatus | undefined,
): SwapperMetrics {
  const versions: Record<CountedState, number> = { loading: 0, serving: 0, retiring: 0, freed: 0, leaked: 0 };
  const callsInFlight = { serving: 0, retiring: 0 };
  for (const v of census.versions) {
    if (v.state === 'collected') continue;
    versions[v.state]++;
    if (v.state === 'serving' || v.state === 'retiring') callsInFlight[v.state] += v.inflight ?? 0;
  }
  const metrics: SwapperMetrics = { generation, reloads, versions, callsInFlight, leaks: census.leaks, collected: census.collected };
  if (canary !== undefined) {
    const { canary: c, baseline: b } = canary.counts;
    metrics.canary = {
      generation: canary.generation,
      weight: canary.weight,
      calls: { canary: c.calls, baseline: b.calls },
      errors: { canary: c.errors, baseline: b.errors },
      p99Seconds: { canary: c.p99Ms / 1000, baseline: b.p99Ms / 1000 },
    };
  }
  return metrics;
}
