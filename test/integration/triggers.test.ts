// Reload triggers: the plugin-directory watcher, the signal file and the
// HTTP admin endpoint, with real files and real sockets.
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeArtifact,
  encodeArtifact,
  ErrorCodes,
  reloadOnSignalFile,
  serveAdmin,
  Swapper,
  watchPluginDir,
  type AdminServer,
  type ReloadOutcome,
  type WatchTrigger,
} from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
let stop: Array<() => unknown>;
let outcomes: ReloadOutcome[];

const plugin = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => ${JSON.stringify(label)} } });`;

beforeEach(async () => {
  ws = workspace();
  stop = [];
  outcomes = [];
  ws.plugin('p', { 'index.ts': plugin('v1') });
  await ws.build({ buildStamp: 'v1' });
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
});
afterEach(async () => {
  for (const s of stop) await s();
  await swapper.close();
  ws.cleanup();
});

const artifactPath = (): string => join(ws.bin, 'p.hotswap.js');
/** The text of the artifact re-stamped as `stamp`, whose whoami answers `label`. */
function restamp(stamp: string, label = stamp): string {
  const current = decodeArtifact(readFileSync(artifactPath(), 'utf8'), artifactPath());
  const { hash: _h, format: _f, ...manifest } = current.manifest;
  return encodeArtifact({ ...manifest, buildStamp: stamp }, current.code.replace(/"v\d+"/, JSON.stringify(label))).text;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('watchPluginDir', () => {
  async function watching(options: Parameters<typeof watchPluginDir>[1] = {}): Promise<WatchTrigger> {
    const trigger = watchPluginDir(swapper, { debounceMs: 100, onReload: (o) => outcomes.push(o), ...options });
    stop.push(() => trigger.stop());
    await trigger.ready;
    return trigger;
  }

  it('loads an artifact written slowly in chunks once, and only when it is complete', async () => {
    await watching();
    const text = restamp('slow', 'v2');
    const file = await open(artifactPath(), 'w');
    const chunk = Math.ceil(text.length / 4);
    for (let i = 0; i < 4; i++) {
      await file.write(text.slice(i * chunk, (i + 1) * chunk));
      await file.sync();
      await sleep(250);
    }
    await file.close();
    await until(() => outcomes.length > 0, 'a reload');
    await sleep(400);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toHaveProperty('details');
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    expect(swapper.current.find('p')?.buildStamp).toBe('slow');
  });

  it('ends a burst of ten writes serving the last one, in far fewer reloads than writes, never a half-written one', async () => {
    await watching();
    for (let i = 1; i <= 10; i++) {
      writeFileSync(artifactPath(), restamp(`burst-${i}`, `v${i + 1}`));
      await sleep(5);
    }
    await until(() => swapper.current.find('p')?.buildStamp === 'burst-10', 'the last write to serve');
    await sleep(400);
    expect(swapper.current.invoke('p', 'whoami')).toBe('v11');
    // The first write reloads at once, the rest of the burst in one reload after it.
    expect(outcomes.length).toBeLessThanOrEqual(3);
    expect(outcomes.every((o) => 'details' in o)).toBe(true);
    expect(swapper.reloadCounter).toBe(outcomes.length);
  });

  it('reports a broken artifact and leaves the current generation serving', async () => {
    await watching({ settleMs: 300 });
    const failures: string[] = [];
    swapper.on('reload:failure', (e) => failures.push(e.code));
    writeFileSync(artifactPath(), restamp('broken').replace('module.exports', 'module.exports ='));
    await until(() => outcomes.length > 0, 'the failed reload', 5000);
    expect(outcomes[0]).toHaveProperty('error');
    expect(failures).toEqual([ErrorCodes.ARTIFACT_HASH_MISMATCH]);
    expect(swapper.current.invoke('p', 'whoami')).toBe('v1');
  });
});

describe('reloadOnSignalFile', () => {
  it('reloads when the file appears and removes it', async () => {
    const signal = join(ws.root, 'reload.signal');
    const trigger = reloadOnSignalFile(swapper, { path: signal, onReload: (o) => outcomes.push(o) });
    stop.push(() => trigger.stop());
    await trigger.ready;
    writeFileSync(artifactPath(), restamp('filed', 'v2'));
    writeFileSync(signal, '');
    await until(() => outcomes.length > 0, 'a reload');
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    await until(() => {
      try {
        readFileSync(signal);
        return false;
      } catch {
        return true;
      }
    }, 'the signal file to be removed');
  });
});

describe('serveAdmin', () => {
  const token = 'a-test-token-of-sufficient-length';
  let admin: AdminServer;
  beforeEach(async () => {
    admin = await serveAdmin(swapper, { token });
    stop.push(() => admin.close());
  });
  const call = (path: string, init: RequestInit = {}, auth: string | null = `Bearer ${token}`): Promise<Response> =>
    fetch(`${admin.url}${path}`, { ...init, headers: { ...(auth === null ? {} : { authorization: auth }), ...init.headers } });

  it('listens on loopback, reloads with POST /reload and reports GET /status', async () => {
    expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    writeFileSync(artifactPath(), restamp('http', 'v2'));
    const res = await call('/reload', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; details: { generation: number; plugins: Array<{ status: string }> } };
    expect(body).toMatchObject({ ok: true, details: { generation: 2, plugins: [{ status: 'loaded' }] } });
    const status = (await (await call('/status')).json()) as { status: { generation: number; reloadCount: number } };
    expect(status.status).toMatchObject({ generation: 2, reloadCount: 1 });
  });

  it.each([
    ['no token', null],
    ['a wrong token', 'Bearer not-the-token-at-all-really'],
    ['another scheme', `Basic ${token}`],
  ])('answers 401 to %s and reloads nothing', async (_what, auth) => {
    writeFileSync(artifactPath(), restamp('nope', 'v2'));
    const res = await call('/reload', { method: 'POST' }, auth);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="hotswap"');
    expect(swapper.reloadCounter).toBe(0);
    expect(swapper.current.invoke('p', 'whoami')).toBe('v1');
  });

  it('answers 404, 405 with Allow, and 413 for a large body', async () => {
    expect((await call('/nope')).status).toBe(404);
    const wrong = await call('/reload');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await call('/status', { method: 'DELETE' })).status).toBe(405);
    const big = await call('/reload', { method: 'POST', body: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect(swapper.reloadCounter).toBe(0);
  });

  it('makes one reload of 20 concurrent requests, and answers all of them', async () => {
    writeFileSync(artifactPath(), restamp('together', 'v2'));
    const answers = await Promise.all(Array.from({ length: 20 }, () => call('/reload', { method: 'POST' })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(swapper.reloadCounter).toBe(1);
  });

  it('returns a failed reload as its typed error, and the current generation serves on', async () => {
    writeFileSync(artifactPath(), 'not an artifact');
    const res = await call('/reload', { method: 'POST' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: ErrorCodes.ARTIFACT_INVALID, stage: 'verify' } });
    expect(swapper.current.invoke('p', 'whoami')).toBe('v1');
  });

  it('refuses a short token and a non-loopback address unless allowed', async () => {
    await expect(serveAdmin(swapper, { token: 'short' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    await expect(serveAdmin(swapper, { token, host: '0.0.0.0' })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
  });
});
