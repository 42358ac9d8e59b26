// Under load: an HTTP server whose handler is a plugin, driven by autocannon
// on loopback while the plugin is reloaded every 100 ms. No request fails,
// each response comes from exactly one version, every retired version is freed.
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { start, type Child } from '../helpers/child.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const SECONDS = Number(process.env['HOTSWAP_LOAD_SECONDS'] ?? 20);
let ws: Workspace;

beforeAll(async () => {
  ws = workspace();
  ws.plugin('handler', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
let stamp = '';
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; },
  functions: {
    version: () => stamp,
    handle: async (url: string) => { await new Promise((r) => setImmediate(r)); return stamp + ' ' + url; },
  },
});`,
  });
  await ws.build({ buildStamp: 'load-0' });
});
afterAll(() => ws.cleanup());

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatched: number;
  versions: number;
  counts: { reloads: number; failedReloads: number; loaded: number; freed: number; collected: number };
}

async function drive(reloadEvery: number, seconds: number): Promise<Run> {
  const host: Child = start(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./http-host.ts', import.meta.url)), ws.bin, String(reloadEvery)], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  const port = Number((await host.waitFor(/^listening (\d+)$/, 30_000))[1]);
  let mismatched = 0;
  const versions = new Set<string>();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/hello`,
    connections: 20,
    duration: seconds,
    requests: [
      {
        onResponse: (_status, body, _context, headers) => {
          const header = String(headers?.['x-version'] ?? '');
          const stamp = body.split(' ')[0] ?? '';
          versions.add(stamp);
          if (stamp !== header || body !== `${stamp} /hello`) mismatched++;
        },
      },
    ],
  });
  host.kill('SIGTERM');
  const counts = JSON.parse((await host.waitFor(/^\{.*\}$/, 60_000))[0]) as Run['counts'];
  await host.exited;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatched,
    versions: versions.size,
    counts,
  };
}

it(`serves every request while the handler plugin is reloaded every 100 ms for ${SECONDS} s`, async () => {
  const quiet = await drive(0, Math.max(3, Math.round(SECONDS / 4)));
  const busy = await drive(100, SECONDS);
  console.log(
    `HTTP, 20 connections: without reloads ${quiet.rps.toFixed(0)} req/s, p50 ${quiet.p50} ms, p99 ${quiet.p99} ms; ` +
      `reloading every 100 ms ${busy.rps.toFixed(0)} req/s, p50 ${busy.p50} ms, p99 ${busy.p99} ms, ` +
      `${busy.counts.reloads} reloads, ${busy.versions} versions answered, ${busy.requests} requests`,
  );
  for (const run of [quiet, busy]) {
    expect(run.requests).toBeGreaterThan(0);
    expect(run.errors).toBe(0);
    expect(run.timeouts).toBe(0);
    expect(run.non2xx).toBe(0);
    expect(run.mismatched).toBe(0);
  }
  expect(busy.counts.failedReloads).toBe(0);
  expect(busy.counts.reloads).toBeGreaterThan(SECONDS * 5);
  expect(busy.versions).toBeGreaterThan(SECONDS * 5);
  // Every version retired during the run (and the last one, at close) got OnFree and was collected.
  expect(busy.counts.freed).toBe(busy.counts.loaded);
  expect(busy.counts.collected).toBe(busy.counts.freed);
}, 180_000);
