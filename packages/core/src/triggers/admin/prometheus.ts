import type { SwapperMetrics } from '../../swapper/metrics.js';

/** The content type of {@link prometheusText}'s output: the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One line of a family: a name suffix (`_bucket`, `_sum`, `_count` of a histogram), labels, a value. */
interface Sample {
  suffix?: string;
  labels?: Record<string, string>;
  value: number;
}

/**
 * The swapper's metrics in the Prometheus text exposition format, as the
 * admin endpoint serves them at `/metrics`: every name starts with
 * `hotswap_`. A host that already exposes metrics (with prom-client, say)
 * can append this to its own output; the names never clash with
 * prom-client's defaults.
 *
 * @example
 * res.end((await register.metrics()) + prometheusText(swapper.metrics()))
 */
export function prometheusText(metrics: SwapperMetrics): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Sample[]): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of samples) lines.push(`${name}${s.suffix ?? ''}${labelText(s.labels ?? {})} ${number(s.value)}`);
  };
  const { reloads, versions, callsInFlight } = metrics;
  const byLabel = (label: string, counts: Record<string, number>): Sample[] => Object.entries(counts).map(([key, value]) => ({ labels: { [label]: key }, value }));
  family('hotswap_reloads_total', 'counter', 'Reloads since the swapper was made, by outcome (the first load is not counted).', byLabel('outcome', reloads.count));
  const { buckets, sum, count } = reloads.duration;
  family('hotswap_reload_duration_seconds', 'histogram', 'How long reloads took, from their start to the swap or the failure.', [
    ...buckets.map((b) => ({ suffix: '_bucket', labels: { le: number(b.le) }, value: b.count })),
    { suffix: '_bucket', labels: { le: '+Inf' }, value: count },
    { suffix: '_sum', value: sum },
    { suffix: '_count', value: count },
  ]);
  family('hotswap_generation', 'gauge', 'The id of the serving generation (0 before the first load and after close).', [{ value: metrics.generation ?? 0 }]);
  family('hotswap_versions', 'gauge', 'Plugin versions in each state now.', byLabel('state', versions));
  family('hotswap_calls_in_flight', 'gauge', 'Calls running now in serving and in retiring versions.', byLabel('state', callsInFlight));
  family('hotswap_versions_leaked_total', 'counter', 'Versions found alive leakTimeout after their OnFree.', [{ value: metrics.leaks }]);
  family('hotswap_versions_collected_total', 'counter', 'Freed versions that were garbage-collected.', [{ value: metrics.collected }]);
  const canary = metrics.canary;
  family('hotswap_canary_running', 'gauge', 'Whether a canary reload is running (1) or not (0).', [{ value: canary === undefined ? 0 : 1 }]);
  if (canary !== undefined) {
    family('hotswap_canary_weight', 'gauge', "The running canary's share of the work.", [{ value: canary.weight }]);
    family('hotswap_canary_calls_total', 'counter', 'Calls counted since the running canary started, by side.', byLabel('side', canary.calls));
    family('hotswap_canary_errors_total', 'counter', 'Calls that threw or rejected since the running canary started, by side.', byLabel('side', canary.errors));
    family('hotswap_canary_latency_p99_seconds', 'gauge', '99th percentile call latency since the running canary started, by side.', byLabel('side', canary.p99Seconds));
  }
  return `${lines.join('\n')}\n`;
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function number(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}
