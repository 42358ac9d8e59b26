// Case 6: scale. Load time of generations of 10, 100 and 1000 plugins, and
// a root change in a graph of 100 and of 1000 plugins.
import type { ScaleRootConfig, ScaleRootResult } from '../procs/scale-root.js';
import type { ScaleConfig, ScaleResult } from '../procs/scale.js';
import { count, fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { runProc } from '../lib/spawn.js';

export async function scale(ctx: CaseContext): Promise<CaseResult> {
  const sizes = ctx.quick ? [10, 30, 100] : [10, 100, 1000];
  const results: ScaleResult[] = [];
  for (const size of sizes) {
    const cfg: ScaleConfig = { size, loads: ctx.quick ? 3 : 6, reloads: ctx.quick ? 2 : 5, seed: 42 };
    results.push(await runProc<ScaleResult>('scale', cfg, { timeoutMs: 10 * 60_000 }));
    ctx.log(`  scale: ${size} plugins loaded in ${fmt(results.at(-1)!.loadMs, 1)} ms`);
  }
  const rootCfg: ScaleRootConfig = ctx.quick ? { sizes: [30, 100], warmup: 2, reloads: 5 } : { sizes: [100, 1000], warmup: 5, reloads: 300 };
  const rootChange = await runProc<ScaleRootResult[]>('scale-root', rootCfg, { timeoutMs: 10 * 60_000 });
  for (const r of rootChange) ctx.log(`  scale: ${r.change} of ${r.size} changed, reload p50 ${fmt(r.ms.p50, 1)} ms, p99 ${fmt(r.ms.p99, 1)} ms`);
  const roots = rootChange.filter((r) => r.change === 'root');
  const [small, large] = roots;
  // Re-linking touches every plugin and every import: its time per plugin + import should not grow with the graph.
  const perUnit = (r: ScaleRootResult): number => r.ms.p50 / (r.size + r.imports);
  const rootGrowth = small !== undefined && large !== undefined ? perUnit(large) / perUnit(small) : Number.NaN;
  const judged = (ok: boolean): boolean | null => (ctx.quick ? null : ok);
  const [, mid, big] = results;
  const growth = mid !== undefined && big !== undefined ? big.loadMsPerPlugin / mid.loadMsPerPlugin : Number.NaN;
  return {
    name: 'scale',
    title: '6. Scale',
    data: { sizes, results, rootConfig: rootCfg, rootChange },
    targets: [
      {
        target: 'load cost grows linearly with plugin count',
        measured:
          mid !== undefined && big !== undefined
            ? `per plugin ${fmt(mid.loadMsPerPlugin * 1000, 0)} µs at ${mid.size}, ${fmt(big.loadMsPerPlugin * 1000, 0)} µs at ${big.size} (${fmt(growth, 2)}×)`
            : 'n/a',
        // Linear means the cost per plugin does not grow with the count; allow for noise.
        met: Number.isFinite(growth) ? growth <= 1.5 : null,
      },
      ...roots.map((r) => ({
        target: `root change in ${count(r.size)} plugins: p99 ≤ 3× p50`,
        measured: `p50 ${fmt(r.ms.p50, 1)} ms, p99 ${fmt(r.ms.p99, 1)} ms (${fmt(r.ms.p99 / r.ms.p50, 2)}×)`,
        met: judged(r.ms.p99 <= 3 * r.ms.p50),
      })),
      {
        target: 're-linking grows linearly with plugins + imports (root change)',
        measured:
          small !== undefined && large !== undefined
            ? `${fmt(perUnit(small) * 1000, 0)} µs per plugin + import at ${count(small.size)}, ${fmt(perUnit(large) * 1000, 0)} µs at ${count(large.size)} (${fmt(rootGrowth, 2)}×)`
            : 'n/a',
        met: Number.isFinite(rootGrowth) ? judged(rootGrowth <= 1.5) : null,
      },
    ],
    tables: [
      {
        title: '6. Scale: random DAGs (fixed seed 42; each plugin imports up to 3 earlier ones), fresh process per size',
        columns: ['plugins', 'imports', 'build() ms', 'first load ms', 'load ms (median)', 'load µs per plugin', 'reload, nothing changed, ms'],
        rows: results.map((r) => [
          count(r.size),
          count(r.edges),
          fmt(r.buildMs, 0),
          fmt(r.firstLoadMs, 1),
          fmt(r.loadMs, 1),
          fmt(r.loadMsPerPlugin * 1000, 0),
          fmt(r.noChangeReloadMs, 1),
        ]),
        notes: [
          'load = new Swapper(...).load(): scan, verify and evaluate every artifact, link, OnLoad and OnInit in dependency order.',
          'first load is the process’s first (cold JIT); the median is of the loads after it, each with a fresh swapper.',
        ],
      },
      {
        title: `6b. Scale: a root change and a leaf change (a star: one root imported by every other plugin), the sizes in one process, reloads interleaved`,
        columns: ['change', 'plugins', 'imports', 'evaluated per reload', 'reloads', 'p50 ms', 'p99 ms', 'p99 ÷ p50', 'mean ms', 'p50 µs per plugin + import', 'swapper scan→swap p50 ms', 'evaluating top levels p50 ms'],
        rows: rootChange.map((r) => [
          r.change,
          count(r.size),
          count(r.imports),
          `${count(r.evaluated)} of ${count(r.size)}`,
          count(r.ms.n),
          fmt(r.ms.p50, 1),
          fmt(r.ms.p99, 1),
          `${fmt(r.ms.p99 / r.ms.p50, 2)}×`,
          fmt(r.ms.mean, 1),
          fmt(perUnit(r) * 1000, 0),
          fmt(r.swapperMs.p50, 1),
          fmt(r.stepsMs['evaluate']?.p50, 1),
        ]),
        notes: [
          'a root reload writes a new root only: the root is loaded and every other plugin re-linked (evaluated afresh from its unchanged artifact); a leaf reload writes a new version of the last importer only.',
          'timed from just before swapper.reload() to a call through the last plugin answering the new version; after a root change every plugin is checked, outside the timing.',
          `root change, per plugin + import, p50 at ${count(large?.size)} ÷ p50 at ${count(small?.size)}: ${fmt(rootGrowth, 2)}×.`,
        ],
      },
    ],
  };
}
