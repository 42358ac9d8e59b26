// Under load: a real HTTP server whose route calls a plugin, driven by
// autocannon on loopback, reloaded as a canary whose new version fails one
// call in five. Its rules roll it back on their own; only its share of the
// requests is ever affected, and afterwards the old version serves them all.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Swapper, type CanaryOutcome } from '@hotswap/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
let server: Server;
let port = 0;

const handler = (label: string, failEvery: number): string => `import { definePlugin } from '@hotswap/core/plugin';
let n = 0;
export default definePlugin({
  functions: {
    async handle(url: string) {
      await new Promise((r) => setImmediate(r));
      if (${failEvery} > 0 && ++n % ${failEvery} === 0) throw new Error('broken');
      return ${JSON.stringify(label)} + ' ' + url;
    },
  },
});`;

beforeAll(async () => {
  ws = workspace();
  ws.plugin('handler', { 'index.ts': handler('v1', 0) });
  await ws.build();
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load();
  server = createServer((req, res) => {
    // One request, one generation: the pick is made once and kept.
    const generation = swapper.current;
    const release = generation.hold();
    (generation.invoke('handler', 'handle', req.url ?? '/') as Promise<string>)
      .then(
        (body) => {
          res.writeHead(200, { 'x-generation': String(generation.id) });
          res.end(body);
        },
        () => {
          res.writeHead(500, { 'x-generation': String(generation.id) });
          res.end('failed');
        },
      )
      .finally(release);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await swapper.close();
  ws.cleanup();
});

it('rolls a canary that fails 20% of its calls back on its own, with no more than its share of requests affected', async () => {
  ws.plugin('handler', { 'index.ts': handler('v2', 5) }, '1.1.0');
  await ws.build();
  const canary = await swapper.canary({ weight: 0.2, rules: { minCalls: 150, minDurationMs: 60_000, checkIntervalMs: 20 } });
  let outcome: CanaryOutcome | undefined;
  void canary.settled.then((o) => (outcome = o));
  const seen = { during: { total: 0, failed: 0, failedOutsideCanary: 0, fromCanary: 0 }, after: { total: 0, notBaseline: 0 } };
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/work`,
    connections: 10,
    amount: 6000,
    requests: [
      {
        onResponse: (status, body, _context, headers) => {
          const generation = String(headers?.['x-generation'] ?? '');
          if (outcome === undefined) {
            seen.during.total++;
            if (generation === '2') seen.during.fromCanary++;
            if (status !== 200) {
              seen.during.failed++;
              if (generation !== '2') seen.during.failedOutsideCanary++;
            }
          } else {
            seen.after.total++;
            if (status !== 200 || generation !== '1' || body !== 'v1 /work') seen.after.notBaseline++;
          }
        },
      },
    ],
  });
  const final = await canary.settled;
  expect(result.errors).toBe(0);
  expect([final.state, final.decidedBy]).toEqual(['rolled-back', 'rules']);
  expect(final.reasons.join(' ')).toMatch(/error rate/);
  // Only the canary's requests failed, about one in five of them, and the canary had about its weight of the work.
  expect(seen.during.failedOutsideCanary).toBe(0);
  expect(seen.during.failed).toBeGreaterThan(0);
  expect(seen.during.failed).toBeLessThanOrEqual(Math.ceil(seen.during.fromCanary * 0.2) + 10);
  expect(seen.during.fromCanary / seen.during.total).toBeLessThan(0.3);
  expect(seen.during.failed / (seen.during.total + seen.after.total)).toBeLessThan(0.2 * 0.2 * 1.5);
  // Once rolled back, the old version serves every request.
  expect(seen.after.total).toBeGreaterThan(1000);
  expect(seen.after.notBaseline).toBeLessThanOrEqual(10);
  expect(swapper.current.id).toBe(1);
  await swapper.settled();
  expect(swapper.status().serving.map((v) => v.version)).toEqual(['1.0.0']);
});
