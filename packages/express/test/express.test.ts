// @hotswap/express against a real Express 5 server on a loopback socket: each
// request is served by the generation it started on and gives it back on every
// path (the old version is then freed); the admin router mounted under a path;
// and the load: autocannon while reloading every 10 ms.
import { IncomingMessage, request as httpRequest, type Server } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { isHotswapError, Swapper, type VersionEvent } from '@hotswap/core';
import { adminRouter, hotswapMiddleware } from '@hotswap/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { underReloads } from '../../../test/helpers/load.js';
import { buildQuotes, gate, type Quotes, type QuotesContract } from '../../../test/helpers/quotes.js';

const token = 'c0ffee-tea-b1scuit-9a7e';
let quotes: Quotes;
let server: Server | undefined;
beforeAll(async () => {
  quotes = await buildQuotes('q-0');
});
afterAll(() => quotes.ws.cleanup());
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function loaded(): Promise<Swapper<QuotesContract>> {
  quotes.restamp('q-0');
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  await swapper.load();
  return swapper;
}

function nextFree(swapper: Swapper<QuotesContract>): Promise<string> {
  return new Promise((resolve) => swapper.once('version:free', (event: VersionEvent) => resolve(event.buildStamp)));
}

/** An Express app with the middleware, the admin router and a route that awaits `wait` between its two plugin calls; listening. */
async function serve(swapper: Swapper<QuotesContract>, wait: () => Promise<void> = () => Promise.resolve()): Promise<string> {
  const app = express();
  const hot = hotswapMiddleware(swapper);
  app.use('/_hotswap', adminRouter(swapper, { token, coalesceMs: 0 }));
  app.use(hot);
  app.get('/quote', async (req, res) => {
    const label = hot.of(req).invoke('quotes', 'label');
    await wait();
    const quote = await hot.of(req).handle('quotes').invoke('quote', Number(req.query['n'] ?? 1));
    res.set('x-build', label).json({ label, quote });
  });
  app.get('/fail', async (req) => {
    await wait();
    throw new Error(`failed on ${hot.of(req).invoke('quotes', 'label')}`);
  });
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ message: error.message, code: isHotswapError(error) ? error.code : undefined });
  });
  const listening = app.listen(0, '127.0.0.1');
  server = listening;
  await new Promise((resolve) => listening.once('listening', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

it('serves a route that calls plugins through hot.of(req)', async () => {
  const url = await serve(await loaded());
  const response = await fetch(`${url}/quote?n=3`);
  expect(response.headers.get('x-build')).toBe('q-0');
  expect(await response.json()).toEqual({ label: 'q-0', quote: 'q-0 3' });
});

it('finishes a request on the generation it started on while a reload lands, then frees it; also on an error', async () => {
  const swapper = await loaded();
  let entered = gate();
  let release = gate();
  const url = await serve(swapper, () => {
    entered.open();
    return release.promise;
  });
  for (const [path, expected] of [
    ['/quote?n=7', { label: 'q-0', quote: 'q-0 7' }],
    ['/fail', { message: 'failed on q-1' }],
  ] as const) {
    const pending = fetch(`${url}${path}`).then((r) => r.json());
    await entered.promise;
    const before = swapper.current.find('quotes')!.buildStamp;
    quotes.restamp(before === 'q-0' ? 'q-1' : 'q-2');
    const freed = nextFree(swapper);
    await swapper.reload();
    expect(swapper.status().retiring.map((v) => v.buildStamp)).toEqual([before]);
    release.open();
    expect(await pending).toMatchObject(expected);
    expect(await freed).toBe(before);
    entered = gate();
    release = gate();
  }
});

it('gives the generation back when the client goes away before the response', async () => {
  const swapper = await loaded();
  const entered = gate();
  const url = new URL(await serve(swapper, () => {
    entered.open();
    return new Promise<void>(() => {});
  }));
  const client = httpRequest({ host: url.hostname, port: url.port, path: '/quote' });
  client.on('error', () => {});
  client.end();
  await entered.promise;
  quotes.restamp('q-1');
  await swapper.reload();
  const freed = nextFree(swapper);
  client.destroy();
  expect(await freed).toBe('q-0');
  await swapper.close();
});

it('says HOTSWAP_NOT_LOADED before the first load, and HOTSWAP_REQUEST_NOT_HELD for a request the middleware never saw', async () => {
  quotes.restamp('q-0');
  const swapper = new Swapper<QuotesContract>({ pluginDir: quotes.ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  const url = await serve(swapper);
  expect(await (await fetch(`${url}/quote`)).json()).toMatchObject({ code: 'HOTSWAP_NOT_LOADED' });
  await swapper.load();
  const other = hotswapMiddleware(swapper);
  expect(thrown(() => other.of(new IncomingMessage(new Socket())))).toMatchObject({ code: 'HOTSWAP_REQUEST_NOT_HELD' });
  await swapper.close();
});

it('mounts the admin router under a path: the token, then status and reload', async () => {
  const swapper = await loaded();
  const url = await serve(swapper);
  expect((await fetch(`${url}/_hotswap/status`)).status).toBe(401);
  const headers = { authorization: `Bearer ${token}` };
  const status = (await (await fetch(`${url}/_hotswap/status`, { headers })).json()) as { status: { generation: number } };
  expect(status.status.generation).toBe(1);
  quotes.restamp('q-1');
  const reload = await fetch(`${url}/_hotswap/reload`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
  expect(reload.status).toBe(200);
  expect(await (await fetch(`${url}/quote`)).json()).toMatchObject({ label: 'q-1' });
  // fetch cannot set Host; node:http can.
  const foreign = await new Promise<number | undefined>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    httpRequest({ hostname, port, path: '/_hotswap/status', headers: { ...headers, host: 'evil.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject).end();
  });
  expect(foreign).toBe(421);
  await swapper.close();
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

it('holds no generation for an admin request: an open GET /_hotswap/events lets the replaced version go, a long-lived app response keeps it', async () => {
  const swapper = await loaded();
  const app = express();
  const hot = hotswapMiddleware(swapper);
  // As docs/frameworks.md mounts them: the middleware first, so it sees the admin requests too.
  app.use(hot);
  app.use('/_hotswap', adminRouter(swapper, { token, coalesceMs: 0 }));
  // An application stream: it holds its generation until it ends, as every app request does.
  app.get('/stream', (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(`${hot.of(req).invoke('quotes', 'label')}\n`);
  });
  const listening = app.listen(0, '127.0.0.1');
  server = listening;
  await new Promise((resolve) => listening.once('listening', resolve));
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${token}` };

  const events = await openStream(url, '/_hotswap/events', headers);
  expect(events.response.headers['content-type']).toMatch(/^text\/event-stream/);
  const stream = await openStream(url, '/stream');
  quotes.restamp('q-1');
  const freed = nextFree(swapper);
  expect((await fetch(`${url}/_hotswap/reload`, { method: 'POST', headers })).status).toBe(200);
  // Only the app's stream holds q-0 (the event stream and the reload request hold nothing).
  expect(swapper.status().retiring.map((v) => [v.buildStamp, v.inflight])).toEqual([['q-0', 1]]);
  stream.close();
  // Freed while the status page still watches: no wait for maxFreeWait, no version:stuck.
  expect(await freed).toBe('q-0');
  expect(swapper.status().retiring).toEqual([]);
  expect(events.response.complete).toBe(false);
  expect(events.response.destroyed).toBe(false);
  events.close();
  await swapper.close();
});

it('refuses, saying why, a request whose body a parser mounted before the admin router read, instead of dropping its rollback', async () => {
  const swapper = await loaded();
  const app = express();
  app.use(express.json());
  app.use('/_hotswap', adminRouter(swapper, { token, coalesceMs: 0 }));
  const listening = app.listen(0, '127.0.0.1');
  server = listening;
  await new Promise((resolve) => listening.once('listening', resolve));
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const refused = await fetch(`${url}/_hotswap/reload`, { method: 'POST', headers, body: JSON.stringify({ rollback: true }) });
  expect(refused.status).toBe(400);
  const answer = (await refused.json()) as { ok: boolean; error: { code: string; message: string } };
  expect(answer).toMatchObject({ ok: false, error: { code: 'HOTSWAP_INVALID_OPTION' } });
  expect(answer.error.message).toContain('mount adminRouter before it');
  expect(swapper.current.id).toBe(1);
  // What the parser leaves alone still works: a status, and a reload with no body.
  expect((await fetch(`${url}/_hotswap/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  quotes.restamp('q-1');
  expect((await fetch(`${url}/_hotswap/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect(swapper.current.id).toBe(2);
  await swapper.close();
});

it('serves every request from one version under autocannon while reloading every 10 ms', async () => {
  const swapper = await loaded();
  let loadedCount = 0;
  let freed = 0;
  swapper.on('version:load', () => loadedCount++);
  swapper.on('version:free', () => freed++);
  const url = await serve(swapper);
  const run = await underReloads(url, swapper, quotes, 3);
  console.log(`Express under reloads: ${run.requests} requests, ${run.reloads} reloads, ${run.builds} builds answered`);
  expect(run.requests).toBeGreaterThan(0);
  expect(run).toMatchObject({ errors: 0, timeouts: 0, non2xx: 0, mixed: 0, failedReloads: 0 });
  expect(run.reloads).toBeGreaterThan(5);
  expect(run.builds).toBeGreaterThan(5);
  await swapper.close();
  expect(freed).toBe(loadedCount + 1);
}, 60_000);
