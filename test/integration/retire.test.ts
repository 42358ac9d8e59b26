// Retirement: calls in flight finish on the old version, OnFree waits for
// them (up to maxFreeWait), the abort signal stops timers, freed versions
// are collected, and those that are not are reported by name.
import { ErrorCodes, Swapper, type LeakEvent, type SwapperOptions, type VersionEvent } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { gate } from '../helpers/quotes.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
let log: string[];
/** Holds the plugin's `held` calls until the test opens it. */
let held: ReturnType<typeof gate>;
const gc = (globalThis as { gc?: () => void }).gc!;

function make(options: Partial<SwapperOptions> = {}): Swapper {
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log, held: () => held.promise } }, logger: false, freeDelay: 0, ...options });
  return swapper;
}

beforeEach(() => {
  ws = workspace();
  log = [];
  held = gate();
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  ws.cleanup();
});

const slow = (label: string, extra = ''): string => `import { definePlugin } from '@hotswap/core/plugin';
import { log, held } from 'test-log';
const label = ${JSON.stringify(label)};
export default definePlugin({
  onFree() { log.push(label + ' onFree'); },
  functions: {
    whoami: () => label,
    slow: async (ms: number) => { log.push(label + ' slow start'); await new Promise((r) => setTimeout(r, ms)); log.push(label + ' slow end'); return label; },
    held: async () => { log.push(label + ' held start'); await held(); log.push(label + ' held end'); return label; },
    never: () => new Promise(() => {}),
    neverThenable: () => ({ then() {} }),
    fails: () => { throw new Error(label + ' failed'); },
  },
  ${extra}
});`;

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('drain', () => {
  it('a call started on v1 finishes on v1 after the swap; OnFree of v1 waits for it; new calls reach v2', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'] });
    make();
    await swapper.load(undefined);
    const inFlight = swapper.current.invoke('p', 'held') as Promise<string>;

    ws.plugin('p', { 'index.ts': slow('v2') });
    await ws.build({ shared: ['test-log'] });
    const drained: string[] = [];
    swapper.on('version:drain', (e) => drained.push(e.buildStamp));
    await swapper.reload();
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    const status = swapper.status();
    expect(status.retiring).toEqual([expect.objectContaining({ plugin: 'p', state: 'retiring', inflight: 1 })]);
    expect(status.serving).toEqual([expect.objectContaining({ plugin: 'p', state: 'serving', inflight: 0 })]);
    await new Promise((r) => setTimeout(r, 50));
    expect(log).toEqual(['v1 held start']);

    held.open();
    expect(await inFlight).toBe('v1');
    await swapper.settled();
    expect(log).toEqual(['v1 held start', 'v1 held end', 'v1 onFree']);
    expect(drained).toHaveLength(1);
  });

  it('a call that never settles does not hold OnFree past maxFreeWait, and the event names it', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make({ maxFreeWait: 100 });
    await swapper.load(undefined);
    void swapper.current.invoke('p', 'never');
    const stuck: Array<VersionEvent & { inflight: number }> = [];
    swapper.on('version:stuck', (e) => stuck.push(e));
    ws.plugin('p', { 'index.ts': slow('v2') });
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await swapper.settled();
    expect(stuck).toEqual([{ plugin: 'p', version: '1.0.0', buildStamp: 's1', inflight: 1 }]);
    expect(log).toEqual(['v1 onFree']);
  });
});

describe('free delay', () => {
  it('any number of versions waiting out their free delay at once: no process warning, and close ends every wait', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(`${warning.name}: ${warning.message}`);
    };
    process.on('warning', onWarning);
    try {
      ws.plugin('p', { 'index.ts': slow('v') });
      await ws.build({ shared: ['test-log'], buildStamp: 's0' });
      make({ freeDelay: 60_000 });
      await swapper.load(undefined);
      for (let n = 1; n <= 25; n++) {
        await ws.build({ shared: ['test-log'], buildStamp: `s${n}` });
        await swapper.reload();
      }
      expect(swapper.status().retiring).toHaveLength(25);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
      await swapper.close();
      expect(log.filter((l) => l === 'v onFree')).toHaveLength(26);
      expect(swapper.status().retiring).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('what a call holds', () => {
  it('a thenable that never settles, called through a kept handle function, holds v1 until maxFreeWait', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make({ maxFreeWait: 100 });
    await swapper.load(undefined);
    const neverThenable = swapper.handle('p').fn('neverThenable');
    void neverThenable();
    const stuck: Array<VersionEvent & { inflight: number }> = [];
    const drained: string[] = [];
    swapper.on('version:stuck', (e) => stuck.push(e));
    swapper.on('version:drain', (e) => drained.push(e.buildStamp));
    ws.plugin('p', { 'index.ts': slow('v2') });
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await new Promise((r) => setTimeout(r, 30));
    expect(log).toEqual([]);
    await swapper.settled();
    expect(stuck).toEqual([{ plugin: 'p', version: '1.0.0', buildStamp: 's1', inflight: 1 }]);
    expect(drained).toEqual([]);
    expect(log).toEqual(['v1 onFree']);
  });

  it('a synchronous call that threw leaves nothing in flight: v1 drains at once', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make({ maxFreeWait: 60_000 });
    await swapper.load(undefined);
    const fails = swapper.handle('p').fn('fails');
    for (let i = 0; i < 3; i++) expect(() => fails()).toThrowError('v1 failed');
    expect(() => swapper.current.invoke('p', 'fails')).toThrowError('v1 failed');
    expect(swapper.current.find('p')?.inflight).toBe(0);
    const drained: string[] = [];
    swapper.on('version:drain', (e) => drained.push(e.buildStamp));
    ws.plugin('p', { 'index.ts': slow('v2') });
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await swapper.settled();
    expect(drained).toEqual(['s1']);
    expect(log).toEqual(['v1 onFree']);
    expect(() => fails()).toThrowError('v2 failed');
  });
});

describe('abort signal, collection and leak report', () => {
  const ticking = (label: string, clearsOnAbort: boolean): string =>
    slow(
      label,
      `onLoad(ctx) {
    const ballast = new Array(50000).fill(label);
    const timer = setInterval(() => { if (ballast.length === 0) log.push('never'); }, 5);
    ${clearsOnAbort ? `ctx.signal.addEventListener('abort', () => { clearInterval(timer); log.push(label + ' aborted'); }, { once: true });` : ''}
  },`,
    );

  it('aborts the signal at retirement: a plugin that clears its interval is collected', async () => {
    ws.plugin('p', { 'index.ts': ticking('v1', true) });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make({ leakTimeout: 200 });
    const collected: string[] = [];
    const leaked: LeakEvent[] = [];
    swapper.on('version:collect', (e) => collected.push(e.buildStamp));
    swapper.on('version:leak', (e) => leaked.push(e));
    await swapper.load(undefined);
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    expect(log).toContain('v1 aborted');
    await swapper.settled();
    await until(() => collected.includes('s1'), 'v1 to be collected');
    await new Promise((r) => setTimeout(r, 300));
    expect(leaked).toEqual([]);
    expect(swapper.status().collected).toBe(1);
  });

  it('reports a plugin that leaves an interval running as leaked, by name and version', async () => {
    ws.plugin('leaky', { 'index.ts': ticking('v1', false) }, '2.1.0');
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make({ leakTimeout: 100 });
    const leaked: LeakEvent[] = [];
    swapper.on('version:leak', (e) => leaked.push(e));
    await swapper.load(undefined);
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await swapper.settled();
    await until(() => leaked.length > 0, 'a leak report');
    expect(leaked).toEqual([{ plugin: 'leaky', version: '2.1.0', buildStamp: 's1', sinceFreeMs: expect.any(Number) as number }]);
    expect(leaked[0]!.sinceFreeMs).toBeGreaterThanOrEqual(100);
    expect(swapper.status().leaked).toEqual([expect.objectContaining({ plugin: 'leaky', version: '2.1.0', state: 'leaked' })]);
  });
});

describe('status', () => {
  it('reports serving, freed and collected versions, the reload count and the last reload', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make({ leakTimeout: false });
    expect(swapper.status()).toEqual({
      generation: undefined,
      reloadCount: 0,
      serving: [],
      retiring: [],
      freed: [],
      leaked: [],
      collected: 0,
      recentlyCollected: [],
      history: [],
    });
    await swapper.load(undefined);
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await swapper.settled();
    let status = swapper.status();
    expect(status.generation).toBe(2);
    expect(status.reloadCount).toBe(1);
    expect(status.serving.map((v) => v.buildStamp)).toEqual(['s2']);
    expect(status.lastReload).toMatchObject({ ok: true, details: { generation: 2 } });
    await until(() => swapper.status().collected === 1, 'v1 to be collected');
    status = swapper.status();
    expect(status.freed).toEqual([]);
    expect(status.recentlyCollected.map((v) => [v.buildStamp, v.state])).toEqual([['s1', 'collected']]);

    ws.plugin('p', { 'index.ts': slow('v3', `onLoad() { throw new Error('bad'); },`) });
    await ws.build({ shared: ['test-log'], buildStamp: 's3' });
    await swapper.reload().catch(() => undefined);
    expect(swapper.status().lastReload).toMatchObject({ ok: false, code: ErrorCodes.HOOK_FAILED });
    expect(swapper.status().history.map((r) => [r.generation, r.kind, r.outcome, r.error?.code])).toEqual([
      [1, 'load', 'success', undefined],
      [2, 'reload', 'success', undefined],
      [3, 'reload', 'failure', ErrorCodes.HOOK_FAILED],
    ]);
    expect(swapper.status().serving.map((v) => v.buildStamp)).toEqual(['s2']);
  });
});

describe('holding a generation', () => {
  it('keeps every version of a held generation from OnFree until released, and its handle stays on it', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make();
    await swapper.load(undefined);
    const generation = swapper.current;
    const release = generation.hold();
    const pinned = generation.handle('p');
    ws.plugin('p', { 'index.ts': slow('v2') });
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await new Promise((r) => setTimeout(r, 100));
    expect(log).not.toContain('v1 onFree');
    expect(pinned.invoke('whoami')).toBe('v1');
    expect(swapper.handle('p').invoke('whoami')).toBe('v2');
    release();
    release();
    await swapper.settled();
    expect(log).toEqual(['v1 onFree']);
    expect(thrown(() => pinned.invoke('whoami')).code).toBe(ErrorCodes.VERSION_FREED);
  });
});

describe('handles', () => {
  it('reach the newest version after a reload and do not keep the old one alive', async () => {
    ws.plugin('p', { 'index.ts': slow('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    make();
    const collected: string[] = [];
    swapper.on('version:collect', (e) => collected.push(e.buildStamp));
    await swapper.load(undefined);
    const handle = swapper.handle('p');
    const whoami = handle.fn('whoami');
    expect(handle.invoke('whoami')).toBe('v1');
    expect(whoami()).toBe('v1');
    ws.plugin('p', { 'index.ts': slow('v2') });
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    await swapper.reload();
    await swapper.settled();
    await until(() => collected.includes('s1'), 'v1 to be collected while the handle lives');
    expect(whoami()).toBe('v2');
    expect(await handle.invoke('slow', 1)).toBe('v2');
    expect(thrown(() => swapper.handle('nope').invoke('x')).code).toBe(ErrorCodes.PLUGIN_NOT_FOUND);
  });
});
