// Case 2: reload latency, artifact ready to new code serving.
import type { BoundScenario, LatencyConfig, LatencyScenario } from '../procs/latency.js';
import { count, fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { runProc } from '../lib/spawn.js';

export async function latency(ctx: CaseContext): Promise<CaseResult> {
  const cfg: LatencyConfig = ctx.quick
    ? { chain: 20, warmup: 3, iterations: { solo: 20, leaf: 10, root: 10, all: 10 }, bound: { solo: 20, root: 10, all: 10 } }
    : { chain: 100, warmup: 10, iterations: { solo: 500, leaf: 200, root: 100, all: 100 }, bound: { solo: 500, root: 100, all: 100 } };
  const result = await runProc<{ config: LatencyConfig; scenarios: LatencyScenario[]; bound: BoundScenario[] }>('latency', cfg, {
    timeoutMs: 10 * 60_000,
  });
  const solo = result.scenarios[0]!;
  return {
    name: 'latency',
    title: '2. Reload latency',
    data: result,
    targets: [
      {
        target: 'one-plugin reload p50 ≤ 2 ms',
        measured: `${fmt(solo.ms.p50, 2)} ms`,
        met: solo.ms.p50 <= 2,
      },
    ],
    tables: [
      {
        title: `2. Reload latency: artifact ready → a call answers the new code (hotswap; chain: each plugin imports the one before it)`,
        columns: ['scenario', 'plugins evaluated', 'p50 ms', 'p99 ms', 'mean ms', 'reloads', 'swapper scan→swap p50 ms'],
        rows: result.scenarios.map((s) => [
          s.key,
          `${count(s.evaluated)} of ${count(s.plugins)}`,
          fmt(s.ms.p50, 2),
          fmt(s.ms.p99, 2),
          fmt(s.ms.mean, 2),
          count(s.ms.n),
          fmt(s.swapperMs.p50, 2),
        ]),
        notes: [
          'timed from just before swapper.reload() (the new artifacts already written) to the first call that returns the new version.',
          'a root change re-links every plugin that reaches the root; the leaf check calls through all of them.',
        ],
      },
      {
        title: `2b. The bound on synchronous plugin code: the same reloads with boundSync true and false, two swappers in one process, reloads interleaved`,
        columns: [
          'scenario',
          'plugins evaluated',
          'p50 ms, bound',
          'p50 ms, unbound',
          'p50 ratio',
          'p99 ms, bound',
          'p99 ms, unbound',
          'p99 ratio',
          'cost per reload, median ms',
          'reloads each',
        ],
        rows: result.bound.map((s) => [
          s.key,
          `${count(s.evaluated)} of ${count(s.plugins)}`,
          fmt(s.on.ms.p50, 2),
          fmt(s.off.ms.p50, 2),
          `${fmt(s.on.ms.p50 / s.off.ms.p50, 2)}×`,
          fmt(s.on.ms.p99, 2),
          fmt(s.off.ms.p99, 2),
          `${fmt(s.on.ms.p99 / s.off.ms.p99, 2)}×`,
          fmt(s.costMs.p50, 3),
          count(s.on.ms.n),
        ]),
        notes: [
          'bound: boundSync true (the default), top-level code and the synchronous part of every hook interrupted at hookTimeout; unbound: boundSync false.',
          'cost per reload: the median over reload pairs of (bound − unbound), each pair one reload of each swapper back to back, the order alternating.',
        ],
      },
    ],
  };
}
