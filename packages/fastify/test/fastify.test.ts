// @hotswap/fastify against a real Fastify server: fastify.inject for the
// request paths, a real socket for client aborts and server timeouts. Each
// request is served by the generation it started on, and gives it back on
// every path, which a user sees as the old version being freed.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Swapper, type VersionEvent } from '@hotswap/core';
import { hotswapFastify } from '@hotswap/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { buildQuotes, gate, type Quotes } from '../../../test/helpers/quotes.js';
import type { QuotesContract } from '../../../test/helpers/quotes.js';
import './register.js';

let quotes: Quotes;
let app: FastifyInstance | undefined;
beforeAll(async () => {
  quotes = await buildQuotes('q-0');
});
afterAll(() => quotes.ws.cleanup());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function loaded(): Promise<Swapper<QuotesContract>> {
  quotes.restamp('q-0');
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  await swapper.load();
  return swapper;
}

/** Resolves with the build stamp of the next version of `quotes` freed. */
function nextFree(swapper: Swapper<QuotesContract>): Promise<string> {
  return new Promise((resolve) => swapper.once('version:free', (event: VersionEvent) => resolve(event.buildStamp)));
}

/** An app with the plugin and a route that calls both functions, awaiting `wait` between them. */
function server(swapper: Swapper<QuotesContract>, wait: () => Promise<void> = () => Promise.resolve(), connectionTimeout = 0): FastifyInstance {
  const instance = Fastify({ connectionTimeout });
  void instance.register(hotswapFastify, { swapper });
  instance.get('/health', () => ({ ok: true }));
  instance.get<{ Querystring: { n?: string } }>('/quote', async (request, reply) => {
    const quotesPlugin = request.hotswap.handle('quotes');
    const label = quotesPlugin.invoke('label');
    await wait();
    const quote = await request.hotswap.invoke('quotes', 'quote', Number(request.query.n ?? 1));
    void reply.header('x-build', label);
    return { label, quote };
  });
  instance.get('/fail', async (request) => {
    await wait();
    throw new Error(`failed on ${request.hotswap.invoke('quotes', 'label')}`);
  });
  app = instance;
  return instance;
}

it('serves a route that calls plugins through request.hotswap', async () => {
  const swapper = await loaded();
  const instance = server(swapper);
  const response = await instance.inject({ url: '/quote?n=3' });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ label: 'q-0', quote: 'q-0 3' });
  expect(response.headers['x-build']).toBe('q-0');
});

it('finishes a request on the generation it started on while a reload lands in the middle, then frees it', async () => {
  const swapper = await loaded();
  const entered = gate();
  const release = gate();
  const instance = server(swapper, () => {
    entered.open();
    return release.promise;
  });
  await instance.ready();
  const pending = instance.inject({ url: '/quote?n=7' });
  await entered.promise;
  quotes.restamp('q-1');
  const freed = nextFree(swapper);
  await swapper.reload();
  // The request still holds q-0: it is retiring, not freed, while the request runs.
  expect(swapper.status().retiring.map((v) => v.buildStamp)).toEqual(['q-0']);
  release.open();
  const response = await pending;
  expect(response.json()).toEqual({ label: 'q-0', quote: 'q-0 7' });
  expect(await freed).toBe('q-0');
  const after = await instance.inject({ url: '/quote?n=1' });
  expect(after.json()).toEqual({ label: 'q-1', quote: 'q-1 1' });
});

/** Starts `path` on a real socket, waits until the route has entered `entered`, and returns the client request. */
async function listening(instance: FastifyInstance): Promise<number> {
  await instance.listen({ port: 0, host: '127.0.0.1' });
  return (instance.server.address() as AddressInfo).port;
}

it('gives the generation back when the route throws: a 500, and the old version freed', async () => {
  const swapper = await loaded();
  const entered = gate();
  const release = gate();
  const instance = server(swapper, () => {
    entered.open();
    return release.promise;
  });
  await instance.ready();
  const pending = instance.inject({ url: '/fail' });
  await entered.promise;
  quotes.restamp('q-1');
  const freed = nextFree(swapper);
  await swapper.reload();
  release.open();
  const response = await pending;
  expect(response.statusCode).toBe(500);
  expect(response.json<{ message: string }>().message).toBe('failed on q-0');
  expect(await freed).toBe('q-0');
});

it('gives the generation back when the client goes away before the response', async () => {
  const swapper = await loaded();
  const entered = gate();
  const instance = server(swapper, () => {
    entered.open();
    return new Promise<void>(() => {});
  });
  const port = await listening(instance);
  const client = httpRequest({ host: '127.0.0.1', port, path: '/quote' });
  client.on('error', () => {});
  client.end();
  await entered.promise;
  quotes.restamp('q-1');
  await swapper.reload();
  expect(swapper.status().retiring.map((v) => v.buildStamp)).toEqual(['q-0']);
  const freed = nextFree(swapper);
  client.destroy();
  expect(await freed).toBe('q-0');
});

it('gives the generation back when the server times the connection out', async () => {
  const swapper = await loaded();
  const entered = gate();
  const instance = server(swapper, () => {
    entered.open();
    return new Promise<void>(() => {});
  }, 200);
  const port = await listening(instance);
  const closed = new Promise<string>((resolve) => {
    const client = httpRequest({ host: '127.0.0.1', port, path: '/quote' });
    client.on('error', (error) => resolve(error.message));
    client.end();
  });
  await entered.promise;
  quotes.restamp('q-1');
  const freed = nextFree(swapper);
  await swapper.reload();
  expect(await closed).toBe('socket hang up');
  expect(await freed).toBe('q-0');
});

it('answers routes that call no plugin before the first load, and says HOTSWAP_NOT_LOADED for those that do', async () => {
  quotes.restamp('q-0');
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  const instance = server(swapper);
  expect((await instance.inject({ url: '/health' })).json()).toEqual({ ok: true });
  const early = await instance.inject({ url: '/quote' });
  expect(early.statusCode).toBe(500);
  expect(early.json<{ code: string }>().code).toBe('HOTSWAP_NOT_LOADED');
  await swapper.load();
  expect((await instance.inject({ url: '/quote' })).json()).toEqual({ label: 'q-0', quote: 'q-0 1' });
});

it("closes the swapper in Fastify's onClose, after the requests in flight", async () => {
  const swapper = await loaded();
  const instance = server(swapper);
  expect((await instance.inject({ url: '/quote' })).statusCode).toBe(200);
  const freed = nextFree(swapper);
  await instance.close();
  app = undefined;
  expect(await freed).toBe('q-0');
  expect(swapper.status().generation).toBeUndefined();
});

it('leaves the swapper open with closeSwapper: false', async () => {
  const swapper = await loaded();
  const instance = Fastify();
  await instance.register(hotswapFastify, { swapper, closeSwapper: false });
  await instance.close();
  expect(swapper.current.id).toBe(1);
  await swapper.close();
});

it("logs through Fastify's own pino logger: new Swapper({ logger: app.log })", async () => {
  const lines: Array<{ msg: string; generation?: number; stage?: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as (typeof lines)[number]);
      done();
    },
  });
  const instance = Fastify({ loggerInstance: pino(stream) });
  quotes.restamp('q-0');
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: instance.log, freeDelay: 0, leakTimeout: false });
  await swapper.load();
  await instance.register(hotswapFastify, { swapper });
  await instance.close();
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'generation 1 serving: quotes@1.0.0 loaded', generation: 1, stage: 'reload' }));
});
