// The admin endpoint as a handler mounted under a prefix in a plain
// node:http server that serves other routes too; its metrics, parsed; its
// event stream; and its status page's headers. Real builds, real sockets.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAdminHandler, ErrorCodes, serveAdmin, Swapper, type SwapperStatus } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { parsePrometheus, sample } from '../helpers/prometheus.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const token = 'a-test-token-of-sufficient-length';
const plugin = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => ${JSON.stringify(label)} } });`;

let ws: Workspace;
let swapper: Swapper;
let server: Server;
let base: string;

beforeEach(async () => {
  ws = workspace();
  ws.plugin('p', { 'index.ts': plugin('v1') });
  await ws.build({ buildStamp: 'b1' });
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  const admin = createAdminHandler(swapper, { token, prefix: '/hotswap' });
  // The host's own server: its routes, and the admin routes under /hotswap.
  server = createServer((req, res) => {
    if (req.url === '/hotswap' || req.url?.startsWith('/hotswap/') === true) return admin(req, res);
    if (req.url === '/hello') return res.end(`hello from ${String(swapper.current.invoke('p', 'whoami'))}`);
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await swapper.close();
  ws.cleanup();
});

const call = (path: string, init: RequestInit = {}, auth: string | null = `Bearer ${token}`): Promise<Response> =>
  fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { ...(auth === null ? {} : { authorization: auth }), ...init.headers } });

async function rebuild(label: string, stamp: string): Promise<void> {
  ws.plugin('p', { 'index.ts': plugin(label) });
  await ws.build({ buildStamp: stamp });
}

/** A request with a Host header of our choosing (fetch will not send one). */
function withHost(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject).end();
  });
}

describe('createAdminHandler in a node:http server', () => {
  it('serves its routes under the prefix and leaves the host its own', async () => {
    expect(await (await call('/hello', {}, null)).text()).toBe('hello from v1');
    expect((await call('/status')).status).toBe(404);
    expect(await (await call('/status')).text()).toBe('not here');

    const status = (await (await call('/hotswap/status')).json()) as { ok: boolean; status: SwapperStatus };
    expect(status.status.serving.map((v) => [v.plugin, v.buildStamp])).toEqual([['p', 'b1']]);

    await rebuild('v2', 'b2');
    const reload = await call('/hotswap/reload', { method: 'POST' });
    expect(reload.status).toBe(200);
    expect(await reload.json()).toMatchObject({ ok: true, details: { generation: 2, plugins: [{ name: 'p', status: 'loaded', buildStamp: 'b2' }] } });
    expect(await (await call('/hello', {}, null)).text()).toBe('hello from v2');
  });

  it('keeps the token and Host rules of the standalone endpoint', async () => {
    for (const auth of [null, 'Bearer not-the-token-at-all-really']) {
      const res = await call('/hotswap/reload', { method: 'POST' }, auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="hotswap"');
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'HOTSWAP_ADMIN_UNAUTHORIZED' } });
    }
    expect((await call('/hotswap/metrics', {}, null)).status).toBe(401);
    expect((await call('/hotswap/events', {}, null)).status).toBe(401);
    expect(swapper.reloadCounter).toBe(0);
    const port = new URL(base).port;
    expect(await withHost('/hotswap/status', `evil.example:${port}`)).toBe(421);
    expect(await withHost('/hotswap/status', `localhost:${port}`)).toBe(200);
    const missing = await call('/hotswap/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ ok: false, error: { code: 'HOTSWAP_ADMIN_BAD_REQUEST' } });
    const wrong = await call('/hotswap/metrics', { method: 'POST' });
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'GET']);
    expect(await wrong.json()).toMatchObject({ ok: false, error: { code: 'HOTSWAP_ADMIN_BAD_REQUEST' } });
    const badBody = await call('/hotswap/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"rollback":"x"}' });
    expect(badBody.status).toBe(400);
    expect(await badBody.json()).toMatchObject({ ok: false, error: { code: 'HOTSWAP_ADMIN_BAD_REQUEST' } });
    expect(swapper.reloadCounter).toBe(0);
  });

  it('answers a name listed in allowedHosts, as a reverse proxy would forward it', async () => {
    const admin = createAdminHandler(swapper, { token, allowedHosts: ['admin.example'] });
    const other = createServer(admin);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as AddressInfo).port;
    const status = (host: string): Promise<number> =>
      new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/status', headers: { host, authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    try {
      expect(await status(`admin.example:${port}`)).toBe(200);
      expect(await status(`other.example:${port}`)).toBe(421);
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('refuses a weak token or a malformed prefix', () => {
    expect(thrown(() => createAdminHandler(swapper, { token: 'short' }))).toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    for (const prefix of ['hotswap', '/a/../b', '/a?b', '/a b', 7]) {
      const error = thrown(() => createAdminHandler(swapper, { token, prefix: prefix as string }));
      expect(error).toMatchObject({ code: ErrorCodes.INVALID_OPTION });
      expect(error.message).toContain('prefix must be a path such as "/hotswap"');
    }
    expect(() => createAdminHandler(swapper, { token, prefix: '/' })).not.toThrow();
    expect(() => createAdminHandler(swapper, { token, prefix: '/ops/hotswap/' })).not.toThrow();
  });

  it('serves the status page without data, with a strict content security policy, and redirects the bare prefix', async () => {
    const bare = await call('/hotswap', {}, null);
    expect([bare.status, bare.headers.get('location')]).toEqual([308, '/hotswap/']);
    const page = await call('/hotswap/', {}, null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain('<title>hotswap status</title>');
    expect(html).not.toContain('b1');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});

describe('GET /metrics', () => {
  const metrics = async (): Promise<ReturnType<typeof parsePrometheus>> => {
    const res = await call('/hotswap/metrics');
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheus(await res.text());
  };

  it('parses as Prometheus text, and its counters move with reloads', async () => {
    const before = await metrics();
    expect([...before.keys()].every((name) => name.startsWith('hotswap_'))).toBe(true);
    expect(before.get('hotswap_reloads_total')?.type).toBe('counter');
    expect(before.get('hotswap_reload_duration_seconds')?.type).toBe('histogram');
    expect(sample(before, 'hotswap_reloads_total', { outcome: 'success' })).toBe(0);
    expect(sample(before, 'hotswap_versions', { state: 'serving' })).toBe(1);
    expect(sample(before, 'hotswap_generation')).toBe(1);

    await rebuild('v2', 'b2');
    expect((await call('/hotswap/reload', { method: 'POST' })).status).toBe(200);
    writeFileSync(join(ws.bin, 'p.hotswap.js'), 'not an artifact');
    expect((await call('/hotswap/reload', { method: 'POST' })).status).toBe(422);
    await swapper.settled();

    const after = await metrics();
    expect(sample(after, 'hotswap_reloads_total', { outcome: 'success' })).toBe(1);
    expect(sample(after, 'hotswap_reloads_total', { outcome: 'failure' })).toBe(1);
    expect(sample(after, 'hotswap_reload_duration_seconds_count')).toBe(2);
    expect(sample(after, 'hotswap_reload_duration_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(sample(after, 'hotswap_reload_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(after, 'hotswap_generation')).toBe(2);
    expect(sample(after, 'hotswap_versions', { state: 'serving' })).toBe(1);
    // The old version has had its OnFree: freed, or already collected.
    expect(sample(after, 'hotswap_versions', { state: 'retiring' })).toBe(0);
    expect(sample(after, 'hotswap_versions', { state: 'freed' }) + sample(after, 'hotswap_versions_collected_total')).toBe(1);
    // The same numbers as a plain object.
    expect(swapper.metrics()).toMatchObject({ generation: 2, reloads: { count: { success: 1, failure: 1, aborted: 0 } } });
  });

  it('counts the old version collected once it is garbage-collected', async () => {
    await rebuild('v2', 'b2');
    await call('/hotswap/reload', { method: 'POST' });
    await swapper.settled();
    const gc = (globalThis as { gc?: () => void }).gc!;
    for (let i = 0; i < 50 && swapper.metrics().collected === 0; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const after = await metrics();
    expect(sample(after, 'hotswap_versions_collected_total')).toBe(1);
    expect(sample(after, 'hotswap_versions', { state: 'freed' })).toBe(0);
    expect(sample(after, 'hotswap_versions_leaked_total')).toBe(0);
  });
});

describe('GET /events', () => {
  it('streams the status first and again after a reload, with heap samples', async () => {
    const res = await call('/hotswap/events');
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const next = async (event: string): Promise<unknown> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const [head, data] = frame.split('\n');
          if (head === `event: ${event}`) return JSON.parse(data!.slice('data: '.length));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before a ${event} event`);
        buffer += value;
      }
    };
    const heap = (await next('heap-history')) as Array<{ heapUsed: number }>;
    expect(heap).toHaveLength(1);
    expect(heap[0]!.heapUsed).toBeGreaterThan(0);
    expect(((await next('status')) as SwapperStatus).generation).toBe(1);
    await rebuild('v2', 'b2');
    void call('/hotswap/reload', { method: 'POST' });
    let status: SwapperStatus;
    do status = (await next('status')) as SwapperStatus;
    while (status.generation !== 2);
    expect(status.serving.map((v) => v.buildStamp)).toEqual(['b2']);
    expect(status.history.map((r) => [r.generation, r.kind, r.outcome])).toEqual([
      [1, 'load', 'success'],
      [2, 'reload', 'success'],
    ]);
    await reader.cancel();
  });
});

describe('serveAdmin', () => {
  it('serves the same routes, under a prefix too', async () => {
    const admin = await serveAdmin(swapper, { token, prefix: '/ops' });
    try {
      const res = await fetch(`${admin.url}/ops/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(sample(parsePrometheus(await res.text()), 'hotswap_generation')).toBe(1);
      expect((await fetch(`${admin.url}/ops/`)).status).toBe(200);
      expect((await fetch(`${admin.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    } finally {
      await admin.close();
    }
  });
});
