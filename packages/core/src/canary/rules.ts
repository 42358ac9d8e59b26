import { ErrorCodes, HotswapError } from '../errors.js';
import { latencyOf, type MeterCounts } from './meter.js';

/**
 * When a canary is promoted or rolled back on its own. Every rule compares
 * the canary with the generation serving beside it (the baseline), over the
 * calls counted since the canary started.
 */
export interface CanaryRules {
  /** Calls into the canary before any verdict. Default 100. */
  minCalls?: number;
  /** Milliseconds the canary runs, at least, before it is promoted (a rollback may come sooner). Default 10000. */
  minDurationMs?: number;
  /** How much the canary's error rate may exceed the baseline's (0.01 = one point). Default 0.01. */
  maxErrorRateIncrease?: number;
  /** How many times the baseline's latency, at `latencyPercentile`, the canary's may be. Default 1.5. */
  maxLatencyRatio?: number;
  /** The percentile latencies are compared at, 0..1. Default 0.99. */
  latencyPercentile?: number;
  /** Latencies below this many milliseconds count as this much, so that microsecond noise does not fail a canary. Default 1. */
  latencyFloorMs?: number;
  /**
   * Milliseconds after which a canary still running is rolled back: one
   * without enough calls for a verdict, or, with `auto: false`, one the host
   * has not decided. Default: none, it waits.
   */
  maxDurationMs?: number;
  /** Judge by the rules on a timer (true), or only report the verdict and wait for `promote()` / `rollback()` (false). Default true. */
  auto?: boolean;
  /** How often the rules are checked, in milliseconds. Default 250. */
  checkIntervalMs?: number;
}

/** The rules with their defaults. @internal */
export type SettledRules = Required<Omit<CanaryRules, 'maxDurationMs'>> & { maxDurationMs: number | undefined };

/** What the rules say now: keep waiting, promote, or roll back; with the reasons in words. */
export interface CanaryVerdict {
  verdict: 'pending' | 'promote' | 'rollback';
  reasons: string[];
}

/** Checks the rules (HOTSWAP_INVALID_OPTION) and fills in the defaults. @internal */
export function settleRules(rules: CanaryRules = {}): SettledRules {
  const settled: SettledRules = {
    minCalls: rules.minCalls ?? 100,
    minDurationMs: rules.minDurationMs ?? 10_000,
    maxErrorRateIncrease: rules.maxErrorRateIncrease ?? 0.01,
    maxLatencyRatio: rules.maxLatencyRatio ?? 1.5,
    latencyPercentile: rules.latencyPercentile ?? 0.99,
    latencyFloorMs: rules.latencyFloorMs ?? 1,
    maxDurationMs: rules.maxDurationMs,
    auto: rules.auto ?? true,
    checkIntervalMs: rules.checkIntervalMs ?? 250,
  };
  const bad = (message: string): never => {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `canary rules: ${message}`);
  };
  const nonNegative = ['minCalls', 'minDurationMs', 'maxErrorRateIncrease', 'latencyFloorMs'] as const;
  for (const key of nonNegative) {
    const v = settled[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(`\`${key}\` must be a number, 0 or more; got ${String(v)}.`);
  }
  if (typeof settled.maxLatencyRatio !== 'number' || !(settled.maxLatencyRatio >= 1)) {
    bad(`\`maxLatencyRatio\` must be a number, 1 or more; got ${String(settled.maxLatencyRatio)}.`);
  }
  if (typeof settled.latencyPercentile !== 'number' || !(settled.latencyPercentile > 0 && settled.latencyPercentile <= 1)) {
    bad(`\`latencyPercentile\` must be above 0 and at most 1; got ${String(settled.latencyPercentile)}.`);
  }
  if (typeof settled.checkIntervalMs !== 'number' || !(settled.checkIntervalMs >= 1 && Number.isFinite(settled.checkIntervalMs))) {
    bad(`\`checkIntervalMs\` must be a number of milliseconds, 1 or more; got ${String(settled.checkIntervalMs)}.`);
  }
  const max = settled.maxDurationMs;
  if (max !== undefined && (typeof max !== 'number' || !(max > 0 && Number.isFinite(max)))) {
    bad(`\`maxDurationMs\` must be a number of milliseconds above 0; got ${String(max)}.`);
  }
  if (typeof settled.auto !== 'boolean') bad(`\`auto\` must be true or false; got ${String(settled.auto)}.`);
  return settled;
}

/** The verdict the rules give for these counts, `elapsedMs` after the canary started. @internal */
export function judge(canary: MeterCounts, baseline: MeterCounts, elapsedMs: number, rules: SettledRules): CanaryVerdict {
  if (canary.calls < rules.minCalls) {
    if (rules.maxDurationMs !== undefined && elapsedMs >= rules.maxDurationMs) {
      return { verdict: 'rollback', reasons: [`only ${canary.calls} call(s) in ${rules.maxDurationMs} ms, fewer than minCalls (${rules.minCalls})`] };
    }
    return { verdict: 'pending', reasons: [`${canary.calls} of ${rules.minCalls} call(s) counted`] };
  }
  const failures: string[] = [];
  const canaryRate = canary.errors / canary.calls;
  const baseRate = baseline.calls === 0 ? 0 : baseline.errors / baseline.calls;
  if (canaryRate > baseRate + rules.maxErrorRateIncrease) {
    failures.push(`error rate ${percent(canaryRate)} against ${percent(baseRate)} (at most ${percent(rules.maxErrorRateIncrease)} more allowed)`);
  }
  const q = rules.latencyPercentile;
  const floor = rules.latencyFloorMs;
  const canaryLatency = Math.max(floor, latencyOf(canary, q));
  const baseLatency = Math.max(floor, latencyOf(baseline, q));
  const label = `p${Math.round(q * 1000) / 10}`;
  if (baseline.calls > 0 && canaryLatency > baseLatency * rules.maxLatencyRatio) {
    failures.push(`${label} latency ${ms(canaryLatency)} against ${ms(baseLatency)} (at most ${rules.maxLatencyRatio}×)`);
  }
  if (failures.length > 0) return { verdict: 'rollback', reasons: failures };
  const healthy = `error rate ${percent(canaryRate)} against ${percent(baseRate)}, ${label} ${ms(canaryLatency)} against ${ms(baseLatency)}`;
  if (elapsedMs < rules.minDurationMs) return { verdict: 'pending', reasons: [`healthy so far (${healthy}); ${Math.ceil(rules.minDurationMs - elapsedMs)} ms to go`] };
  return { verdict: 'promote', reasons: [`healthy over ${canary.calls} call(s): ${healthy}`] };
}

const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;
const ms = (x: number): string => `${x < 10 ? x.toFixed(2) : Math.round(x)} ms`;
