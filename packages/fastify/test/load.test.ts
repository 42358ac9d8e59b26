// A real Fastify server on a loopback socket under autocannon while its plugin
// is reloaded every 10 ms: no request fails, no response mixes two versions,
// and every version retired during the run is freed.
import type { AddressInfo } from 'node:net';
import { Swapper } from '@hotswap/core';
import { hotswapFastify } from '@hotswap/fastify';
import Fastify from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { underReloads } from '../../../test/helpers/load.js';
import { buildQuotes, type Quotes, type QuotesContract } from '../../../test/helpers/quotes.js';
import './register.js';

const SECONDS = 3;
let quotes: Quotes;
beforeAll(async () => {
  quotes = await buildQuotes('load-0');
});
afterAll(() => quotes.ws.cleanup());

it('serves every request from one version while reloading every 10 ms', async () => {
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  let loaded = 0;
  let freed = 0;
  swapper.on('version:load', () => loaded++);
  swapper.on('version:free', () => freed++);
  await swapper.load();
  const app = Fastify();
  await app.register(hotswapFastify, { swapper });
  // Two calls on the request's generation, an await between them: both answer the same build.
  app.get<{ Querystring: { n: string } }>('/quote', async (request, reply) => {
    const label = request.hotswap.invoke('quotes', 'label');
    const quote = await request.hotswap.invoke('quotes', 'quote', Number(request.query.n));
    return reply.header('x-build', label).send({ label, quote });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;

  const run = await underReloads(`http://127.0.0.1:${port}`, swapper, quotes, SECONDS);
  await app.close();
  console.log(`Fastify under reloads: ${run.requests} requests, ${run.reloads} reloads, ${run.builds} builds answered`);
  expect(run.requests).toBeGreaterThan(0);
  expect(run).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0, mixed: 0, failedReloads: 0 });
  expect(run.reloads).toBeGreaterThan(5);
  expect(run.builds).toBeGreaterThan(5);
  // app.close() closed the swapper: every version loaded during the run got its OnFree.
  await swapper.settled();
  expect(freed).toBe(loaded);
}, 60_000);
