// Case 7: a change of code across a four-worker cluster under load, done as
// one cluster reload (a two-phase commit over the workers) beside the rolling
// restart PM2's reload does (fork a new worker, wait for it to listen, stop
// an old one). Same server, same plugin, same load, one run: time until
// every worker serves the new code, failed requests, whether a counter kept
// in plugin state survives. Plus the cluster reload's skew, p50 and p99.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import type { ClusterConfig, ClusterRun } from '../procs/cluster.js';
import { count, fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { sealRelease } from '../lib/restamp.js';
import { runProc } from '../lib/spawn.js';
import { quantile } from '../lib/stats.js';

const COUNTER = `import { definePlugin } from '@hotswap/core/plugin';
let stamp = '';
let hits = 0;
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; },
  giveState: () => hits,
  takeState(previous) { if (typeof previous.state === 'number') hits = previous.state; },
  functions: { hit: () => stamp + ' ' + ++hits },
});
`;

async function releaseRoot(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'hotswap-bench-cluster-'));
  const src = join(root, 'src', 'counter');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'package.json'), JSON.stringify({ name: 'counter', version: '1.0.0', private: true, type: 'module' }));
  writeFileSync(join(src, 'index.ts'), COUNTER);
  await build({ pluginDir: join(root, 'src'), outputDir: join(root, 'releases', 'v0'), buildStamp: 'v0' });
  sealRelease(join(root, 'releases', 'v0'), 'v0');
  symlinkSync(join('releases', 'v0'), join(root, '.current'));
  renameSync(join(root, '.current'), join(root, 'current'));
  return root;
}

export async function cluster(ctx: CaseContext): Promise<CaseResult> {
  const runs: ClusterRun[] = [];
  for (const mode of ['transaction', 'rolling'] as const) {
    const root = await releaseRoot();
    try {
      const cfg: ClusterConfig = { mode, root, workers: ctx.quick ? 2 : 4, seconds: ctx.quick ? 1 : 3, connections: 16, skewReloads: ctx.quick ? 20 : 200 };
      const run = await runProc<ClusterRun>('cluster', cfg, { timeoutMs: 5 * 60_000 });
      runs.push(run);
      ctx.log(`  cluster: ${mode}, every worker on the new code after ${fmt(run.changeMs, 0)} ms, ${run.failed} failed requests`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const [tx, rolling] = runs as [ClusterRun, ClusterRun];
  const skew = tx.skewMs;
  const label = { transaction: 'cluster reload (hotswap)', rolling: 'rolling restart (PM2 reload)' };
  return {
    name: 'cluster',
    title: '9. Cluster',
    data: { runs, skew: { n: skew.length, p50: quantile(skew, 0.5), p99: quantile(skew, 0.99), max: Math.max(...skew) } },
    targets: [
      { target: 'cluster reload: 0 failed requests during the change', measured: `${tx.failed} failed of ${count(tx.requests)}`, met: tx.failed === 0 },
      { target: 'cluster reload: plugin state survives the change', measured: tx.counterSurvived ? `yes (first counts ${tx.firstNewCounts.join(', ')})` : 'no', met: tx.counterSurvived },
    ],
    tables: [
      {
        title: `9. Cluster: ${ctx.quick ? 2 : 4} workers, autocannon 16 connections on loopback, one change of code under load (${ctx.quick ? 1 : 3} s of load before and after it, one run)`,
        columns: ['way', 'until every worker serves new code, ms', 'last old response after start, ms', 'requests', 'failed', 'counter in plugin state'],
        rows: runs.map((r) => [
          label[r.mode],
          fmt(r.changeMs, 1),
          fmt(r.lastOldResponseMs, 1),
          count(r.requests),
          count(r.failed),
          r.counterSurvived ? `survives: goes on at ${Math.min(...r.firstNewCounts)}–${Math.max(...r.firstNewCounts)}` : `lost: starts again at ${Math.min(...r.firstNewCounts)}`,
        ]),
        notes: [
          `ratio: the rolling restart takes ${fmt(rolling.changeMs / tx.changeMs, 1)}× as long as the cluster reload`,
          `cluster reload skew (first to last worker's swap), ${skew.length} reloads: p50 ${fmt(quantile(skew, 0.5), 2)} ms, p99 ${fmt(quantile(skew, 0.99), 2)} ms (the first under load, the others after it)`,
        ],
      },
    ],
  };
}
