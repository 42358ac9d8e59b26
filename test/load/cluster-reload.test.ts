// Under load, across a cluster: four node:cluster workers behind the
// primary's round-robin, autocannon on loopback, and a new release activated
// and cluster-reloaded every 250 ms. No request fails; once a commit is
// acknowledged, no request sent after it is answered by an older release;
// every retired version in every worker is freed and collected. The cadence
// achieved (a reload that would overlap the one before starts as it ends)
// is printed, not asserted.
// HOTSWAP_CLUSTER_LOAD_SECONDS=20 for the full run (the suite runs 4 s).
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { activate, clusterHost, releaseDir, releaseRoot, seal } from '../helpers/cluster.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const SECONDS = Number(process.env['HOTSWAP_CLUSTER_LOAD_SECONDS'] ?? 4);
const WORKERS = 4;
let ws: Workspace;
let root: { root: string; cleanup: () => void };

beforeAll(async () => {
  ws = workspace();
  root = releaseRoot();
  ws.plugin('handler', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
let stamp = '';
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; },
  functions: {
    stamp: () => stamp,
    handle: async (url: string) => { await new Promise((r) => setImmediate(r)); return stamp + ' ' + url; },
  },
});`,
  });
  await ws.build({ outputDir: releaseDir(root.root, 'r00000'), buildStamp: 'r00000', shared: ['cluster-test'] });
  seal(root.root, 'r00000');
  activate(root.root, 'r00000');
}, 60_000);
afterAll(() => {
  ws.cleanup();
  root.cleanup();
});

const seq = (release: string): number => Number(release.slice(1));
const now = (): number => performance.timeOrigin + performance.now();

it(`serves every request while the cluster reloads every 250 ms for ${SECONDS} s; no request after an acknowledged commit meets the old release`, async () => {
  const host = clusterHost(root.root, { WORKERS: String(WORKERS), RELOAD_EVERY: '250' });
  try {
    const [first] = await host.ready(WORKERS);
    const port = (first as { port?: number } | undefined)?.port ?? 0;
    const answers: Array<{ sentAfter: number; release: number; worker: string }> = [];
    let malformed = 0;
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/hello`,
      connections: 16,
      duration: SECONDS,
      requests: [
        {
          onResponse: (_status, body, context: { last?: number }) => {
            // Requests on a connection go one after another: this one was sent after the previous response arrived.
            const sentAfter = context.last ?? 0;
            context.last = now();
            const match = /^(r\d+) \/hello (w\d+)$/.exec(body);
            if (match === null) malformed++;
            else answers.push({ sentAfter, release: seq(match[1]!), worker: match[2]! });
          },
        },
      ],
    });
    const from = host.child.lines.length;
    host.send('finish');
    const counts = await host.next<Array<{ worker: number; loaded: number; freed: number; collected: number }>>('primary', 'counts', from, 60_000);
    const commits = host.child.lines
      .filter((l) => l.startsWith('primary committed '))
      .map(
        (l) =>
          JSON.parse(l.slice('primary committed '.length)) as {
            ackedAt: number;
            startedAt: number;
            releaseMs: number;
            durationMs: number;
            release: string;
            skewMs: number;
            workers: Array<{ outcome: string }>;
          },
      );
    const aborts = host.child.lines.filter((l) => l.startsWith('primary aborted '));

    // A response is stale when its request went out after the commit of a newer release was acknowledged.
    let stale = 0;
    for (const answer of answers) {
      const acked = commits.filter((c) => c.ackedAt < answer.sentAfter).map((c) => seq(c.release));
      if (acked.length > 0 && answer.release < Math.max(...acked)) stale++;
    }
    const skews = commits.map((c) => c.skewMs).sort((a, b) => a - b);
    // The cadence achieved: from one reload's start (a new release made and activated) to the next one's; reported, not asserted.
    const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
    const p = (values: number[], q: number): string => (sorted(values)[Math.min(values.length - 1, Math.floor(values.length * q))] ?? NaN).toFixed(0);
    const gaps = commits.slice(1).map((c, i) => c.startedAt - commits[i]!.startedAt);
    const took = commits.map((c) => c.ackedAt - c.startedAt);
    console.log(
      `cluster reload cadence: ${commits.length} reloads, one started every ${(gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length)).toFixed(0)} ms on average ` +
        `(p50 ${p(gaps, 0.5)}, p90 ${p(gaps, 0.9)}, max ${p(gaps, 1)} ms; asked for 250); each took p50 ${p(took, 0.5)}, p90 ${p(took, 0.9)}, max ${p(took, 1)} ms ` +
        `until every worker acknowledged, of which making the release p50 ${p(commits.map((c) => c.releaseMs), 0.5)} ms and the two phases p50 ${p(commits.map((c) => c.durationMs), 0.5)} ms`,
    );
    console.log(
      `cluster, ${WORKERS} workers, 16 connections, ${SECONDS} s: ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, ` +
        `${result.requests.total} requests, ${commits.length} cluster reloads, ${new Set(answers.map((a) => a.release)).size} releases answered, ` +
        `${new Set(answers.map((a) => a.worker)).size} workers answered, skew p50 ${skews[Math.floor(skews.length / 2)]?.toFixed(2)} ms, ` +
        `max ${skews.at(-1)?.toFixed(2)} ms; per worker ${JSON.stringify(counts)}`,
    );
    expect(result.requests.total).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(malformed).toBe(0);
    expect(aborts).toEqual([]);
    expect(commits.length).toBeGreaterThan(SECONDS);
    for (const commit of commits) expect(commit.workers.map((w) => w.outcome)).toEqual(['committed', 'committed', 'committed', 'committed']);
    expect(new Set(answers.map((a) => a.worker)).size).toBe(WORKERS);
    expect(new Set(answers.map((a) => a.release)).size).toBeGreaterThan(SECONDS);
    expect(stale).toBe(0);
    expect(counts).toHaveLength(WORKERS);
    for (const c of counts) {
      expect(c.loaded).toBeGreaterThan(SECONDS);
      expect(c.freed).toBe(c.loaded);
      expect(c.collected).toBe(c.freed);
    }
  } finally {
    await host.stop();
  }
}, 180_000);
