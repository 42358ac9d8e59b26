// The reload history on its own: a bounded ring, counters that outlive it,
// and a histogram that Prometheus would accept.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, HotswapError } from '../src/errors.js';
import { DURATION_BUCKETS, HISTORY_SIZE, ReloadHistory } from '../src/swapper/history.js';
import { metricsOf } from '../src/swapper/metrics.js';
import { prometheusText } from '../src/triggers/admin/prometheus.js';
import { parsePrometheus, sample } from '../../../test/helpers/prometheus.js';

const details = (generation: number, durationMs: number) => ({ generation, durationMs, plugins: [] });

describe('ReloadHistory', () => {
  it('keeps the last reloads only, while its counters count every one', () => {
    const history = new ReloadHistory();
    history.succeeded('load', details(1, 3));
    for (let g = 2; g <= 80; g++) history.succeeded('reload', details(g, 20));
    history.failed('reload', 81, 7, new HotswapError(ErrorCodes.HOOK_FAILED, 'boom', { plugin: 'p', stage: 'onLoad' }));
    history.failed('reload', 81, 2, new HotswapError(ErrorCodes.RELOAD_ABORTED, 'aborted', { reason: 'aborted' }));
    const entries = history.entries();
    expect(entries).toHaveLength(HISTORY_SIZE);
    expect(entries.at(0)?.generation).toBe(33);
    expect(entries.slice(-2).map((r) => [r.outcome, r.error?.code, r.error?.stage])).toEqual([
      ['failure', ErrorCodes.HOOK_FAILED, 'onLoad'],
      ['aborted', ErrorCodes.RELOAD_ABORTED, undefined],
    ]);
    const totals = history.totals();
    // The first load is not a reload.
    expect(totals.count).toEqual({ success: 79, failure: 1, aborted: 1 });
    expect(totals.duration.count).toBe(81);
    expect(totals.duration.sum).toBeCloseTo((79 * 20 + 7 + 2) / 1000, 9);
    const at = (le: number): number | undefined => totals.duration.buckets.find((b) => b.le === le)?.count;
    expect([at(0.005), at(0.01), at(0.025)]).toEqual([1, 2, 81]);
    expect(totals.duration.buckets.map((b) => b.le)).toEqual(DURATION_BUCKETS);
  });

  it('lists the plugins a reload changed, and only counts the unchanged ones', () => {
    const history = new ReloadHistory();
    const line = (name: string, status: 'loaded' | 'unchanged' | 're-linked') => ({ name, status, version: '1.0.0', buildStamp: 'b', timings: {} });
    history.succeeded('reload', { generation: 2, durationMs: 5, plugins: [line('a', 'loaded'), line('b', 'unchanged'), line('c', 're-linked'), line('d', 'unchanged')] });
    const [record] = history.entries();
    expect(record?.plugins?.map((p) => [p.name, p.status])).toEqual([
      ['a', 'loaded'],
      ['c', 're-linked'],
    ]);
    expect(record?.unchanged).toBe(2);
  });

  it('gives copies: changing what entries() returned changes nothing kept', () => {
    const history = new ReloadHistory();
    history.succeeded('load', details(1, 3));
    history.entries()[0]!.outcome = 'failure';
    expect(history.entries()[0]!.outcome).toBe('success');
  });
});

describe('prometheusText', () => {
  it('writes every family with HELP and TYPE, and a histogram ending at +Inf', () => {
    const history = new ReloadHistory();
    history.succeeded('reload', details(2, 40));
    const census = {
      versions: [
        { plugin: 'a', version: '1.0.0', buildStamp: 'b2', state: 'serving' as const, inflight: 3 },
        { plugin: 'a', version: '0.9.0', buildStamp: 'b1', state: 'retiring' as const, inflight: 2 },
        { plugin: 'b', version: '1.0.0', buildStamp: 'b0', state: 'collected' as const },
      ],
      collected: 1,
      leaks: 0,
    };
    const text = prometheusText(metricsOf(census, 2, history.totals(), undefined));
    const families = parsePrometheus(text);
    expect([...families.keys()]).toEqual([
      'hotswap_reloads_total',
      'hotswap_reload_duration_seconds',
      'hotswap_generation',
      'hotswap_versions',
      'hotswap_calls_in_flight',
      'hotswap_versions_leaked_total',
      'hotswap_versions_collected_total',
      'hotswap_canary_running',
    ]);
    expect(sample(families, 'hotswap_canary_running')).toBe(0);
    expect(sample(families, 'hotswap_calls_in_flight', { state: 'retiring' })).toBe(2);
    expect(sample(families, 'hotswap_versions', { state: 'retiring' })).toBe(1);
    expect(sample(families, 'hotswap_reload_duration_seconds_bucket', { le: '0.025' })).toBe(0);
    expect(sample(families, 'hotswap_reload_duration_seconds_bucket', { le: '0.05' })).toBe(1);
    expect(text).toContain('hotswap_reload_duration_seconds_sum 0.04\n');
  });
});
