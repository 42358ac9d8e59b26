// The admin routes mounted in the host's own Fastify server, under a prefix:
// the same token and Host rules as the standalone endpoint, a reload that
// serves the new build to the next request, admin requests that hold no
// generation (an open status page lets a replaced version go), and bad options
// refused at register.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Swapper, type VersionEvent } from '@hotswap/core';
import { hotswapFastify } from '@hotswap/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { buildQuotes, type Quotes, type QuotesContract } from '../../../test/helpers/quotes.js';
import './register.js';

const token = 'c0ffee-tea-b1scuit-9a7e';
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

async function serve(prefix = '/_hotswap', swapper?: Swapper<QuotesContract>): Promise<FastifyInstance> {
  quotes.restamp('q-0');
  swapper ??= new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  await swapper.load();
  app = Fastify();
  await app.register(hotswapFastify, { swapper, admin: { prefix, token, coalesceMs: 0 } });
  app.get('/label', (request) => request.hotswap.invoke('quotes', 'label'));
  return app;
}
const auth = { authorization: `Bearer ${token}` };

it('serves GET <prefix>/status and POST <prefix>/reload behind the token', async () => {
  const instance = await serve();
  const status = await instance.inject({ url: '/_hotswap/status', headers: auth });
  expect(status.statusCode).toBe(200);
  expect(status.json<{ status: { generation: number } }>().status.generation).toBe(1);

  quotes.restamp('q-1');
  const reload = await instance.inject({ method: 'POST', url: '/_hotswap/reload', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"rollback":false}' });
  expect(reload.statusCode).toBe(200);
  expect(reload.json<{ details: { generation: number } }>().details.generation).toBe(2);
  expect((await instance.inject({ url: '/label' })).body).toBe('q-1');
});

it('refuses a request without the token, with a wrong one, or for another Host', async () => {
  const instance = await serve('/ops/hotswap/');
  expect((await instance.inject({ url: '/ops/hotswap/status' })).statusCode).toBe(401);
  expect((await instance.inject({ url: '/ops/hotswap/status', headers: { authorization: 'Bearer not-the-token-at-all' } })).statusCode).toBe(401);
  expect((await instance.inject({ url: '/ops/hotswap/status', headers: { ...auth, host: 'evil.example:80' } })).statusCode).toBe(421);
  expect((await instance.inject({ url: '/ops/hotswap/status', headers: auth })).statusCode).toBe(200);
});

it('answers 404 and 405 under the prefix as the standalone endpoint does, serves the status page at the prefix, and leaves other paths to the app', async () => {
  const instance = await serve();
  expect((await instance.inject({ url: '/_hotswap/nothing', headers: auth })).statusCode).toBe(404);
  // The prefix itself is the status page, which holds no data.
  const page = await instance.inject({ url: '/_hotswap' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  const wrongMethod = await instance.inject({ method: 'GET', url: '/_hotswap/reload', headers: auth });
  expect(wrongMethod.statusCode).toBe(405);
  expect(wrongMethod.headers['allow']).toBe('POST');
  expect((await instance.inject({ url: '/label' })).body).toBe('q-0');
});

it('refuses a weak token and a bad prefix at register, with HOTSWAP_INVALID_OPTION', async () => {
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false });
  for (const admin of [
    { prefix: '/_hotswap', token: 'short' },
    { prefix: '/', token },
    { prefix: 'no-slash', token },
  ]) {
    const instance = Fastify();
    await expect(instance.register(hotswapFastify, { swapper, admin, closeSwapper: false })).rejects.toMatchObject({ code: 'HOTSWAP_INVALID_OPTION' });
    await instance.close();
  }
});

/** GETs `path` on `url` and resolves once the headers came, leaving the response open: `close` ends it from the client. */
function openStream(url: string, path: string, headers: Record<string, string> = {}): Promise<{ response: IncomingMessage; close: () => void }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const client = httpRequest({ hostname, port, path, headers }, (response) => {
      response.resume();
      resolve({ response, close: () => client.destroy() });
    });
    client.on('error', reject);
    client.end();
  });
}

it('holds no generation for the admin routes: an open GET <prefix>/events lets the replaced version go, a long-lived app response keeps it', async () => {
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  const instance = await serve('/_hotswap', swapper);
  // An application stream: it holds its generation until it ends, as every app request does.
  instance.get('/stream', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain' });
    reply.raw.write(`${request.hotswap.invoke('quotes', 'label')}\n`);
  });
  await instance.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;

  const events = await openStream(url, '/_hotswap/events', auth);
  const stream = await openStream(url, '/stream');
  try {
    expect(events.response.headers['content-type']).toMatch(/^text\/event-stream/);
    quotes.restamp('q-1');
    const freed = new Promise<string>((resolve) => swapper.once('version:free', (event: VersionEvent) => resolve(event.buildStamp)));
    expect((await fetch(`${url}/_hotswap/reload`, { method: 'POST', headers: auth })).status).toBe(200);
    // Only the app's stream holds q-0 (the event stream and the reload request hold nothing).
    expect(swapper.status().retiring.map((v) => [v.buildStamp, v.inflight])).toEqual([['q-0', 1]]);
    stream.close();
    // Freed while the status page still watches: no wait for maxFreeWait, no version:stuck.
    expect(await freed).toBe('q-0');
    expect(swapper.status().retiring).toEqual([]);
    expect(events.response.complete).toBe(false);
    expect(events.response.destroyed).toBe(false);
  } finally {
    // Fastify's close waits for the requests in flight: end both streams even when an expectation failed.
    stream.close();
    events.close();
  }
});
