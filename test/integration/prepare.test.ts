// A reload in two steps: prepare() runs it up to the swap and holds it,
// commit() swaps it in, abort() (or its time limit, or close()) frees it.
import { ErrorCodes, Swapper, type HotswapError, type PreparedReload, type SwapperOptions } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { rejection, thrown } from '../helpers/errors.js';
import { swapperSuite } from '../helpers/swappers.js';
import { recordingPlugin } from '../helpers/workspace.js';

const suite = swapperSuite();
const swapper = (options: Partial<SwapperOptions> = {}): Swapper => suite.swapper(options);

/** Loads alpha@a1 and beta@b1, then builds alpha@a2 (beta unchanged) and clears the suite.log. */
async function loadedWithEdit(options: Partial<SwapperOptions> = {}): Promise<Swapper> {
  suite.ws.plugin('alpha', { 'index.ts': recordingPlugin('a1') });
  suite.ws.plugin('beta', { 'index.ts': recordingPlugin('b1') });
  await suite.ws.build({ shared: ['test-log'], });
  const s = swapper(options);
  await s.load();
  suite.ws.plugin('alpha', { 'index.ts': recordingPlugin('a2') }, '1.1.0');
  await suite.ws.build({ shared: ['test-log'], include: /^alpha$/ });
  suite.log.length = 0;
  return s;
}

const whoami = (s: Swapper, plugin: string): unknown => s.current.invoke(plugin, 'whoami');

describe('prepare', () => {
  it('runs every hook through OnInit and the callbacks, serves nothing until commit(), then swaps in one step', async () => {
    const seen: number[] = [];
    const s = await loadedWithEdit({ reloadCallback: (next) => void seen.push(next.id) });
    const prepared = await s.prepare();
    expect(prepared.state).toBe('prepared');
    expect(prepared.generation).toBe(2);
    expect(prepared.plugins.map((p) => [p.name, p.status, p.version])).toEqual([
      ['alpha', 'loaded', '1.1.0'],
      ['beta', 'unchanged', '1.0.0'],
    ]);
    // A carried-over plugin runs OnInit again, with the new generation's vault.
    expect(suite.log).toEqual(['alpha:a2:onLoad', 'alpha:a2:onInit', 'beta:b1:onInit']);
    expect(seen).toEqual([1, 2]);
    // Prepared, not serving: the old generation answers, and the status says so.
    expect(s.current.id).toBe(1);
    expect(whoami(s, 'alpha')).toBe('a1');
    expect(s.reloadCounter).toBe(0);

    const details = prepared.commit();
    expect(details.generation).toBe(2);
    expect(prepared.state).toBe('committed');
    expect(s.current.id).toBe(2);
    expect(whoami(s, 'alpha')).toBe('a2');
    expect(s.reloadCounter).toBe(1);
    expect(prepared.commit()).toBe(details);
    expect(await prepared.settled).toBe('committed');
    await s.settled();
    expect(suite.log).toEqual(['alpha:a2:onLoad', 'alpha:a2:onInit', 'beta:b1:onInit', 'alpha:a1:onFree']);
    expect(await prepared.abort()).toBe(false);
  });

  it('abort() frees the prepared versions and leaves the serving generation untouched; a later reload runs as usual', async () => {
    const failures: HotswapError[] = [];
    const s = await loadedWithEdit();
    s.on('reload:failure', (e) => void failures.push(e));
    const prepared = await s.prepare();
    expect(await prepared.abort()).toBe(true);
    expect(prepared.state).toBe('aborted');
    expect(prepared.abortReason).toBe('aborted');
    expect(await prepared.settled).toBe('aborted');
    expect(suite.log).toEqual(['alpha:a2:onLoad', 'alpha:a2:onInit', 'beta:b1:onInit', 'alpha:a2:onFree']);
    expect(s.current.id).toBe(1);
    expect(whoami(s, 'alpha')).toBe('a1');
    expect(failures.map((f) => [f.code, f.details])).toEqual([[ErrorCodes.RELOAD_ABORTED, { reason: 'aborted' }]]);
    expect(s.status().lastReload).toMatchObject({ ok: false, code: ErrorCodes.RELOAD_ABORTED });

    const error = thrown(() => prepared.commit());
    expect(error.code).toBe(ErrorCodes.RELOAD_ABORTED);
    expect(error.details).toEqual({ reason: 'aborted' });
    expect(error.message).toMatch(/prepare a new reload/);
    expect(s.current.id).toBe(1);
    expect(await prepared.abort()).toBe(false);

    const details = await s.reload();
    expect(details.generation).toBe(2);
    expect(whoami(s, 'alpha')).toBe('a2');
  });

  it('holds every other reload until it is decided: a reload asked for meanwhile runs after the commit, on top of it', async () => {
    const s = await loadedWithEdit();
    const prepared = await s.prepare();
    const order: string[] = [];
    const next = s.reload().then((d) => {
      order.push(`reload ${d.generation}`);
      return d;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    expect(s.current.id).toBe(1);
    order.push('commit');
    prepared.commit();
    const details = await next;
    expect(order).toEqual(['commit', 'reload 3']);
    expect(details.plugins.every((p) => p.status === 'unchanged')).toBe(true);
    expect(s.current.id).toBe(3);
  });

  it('aborts itself when left undecided past its time limit, and frees its versions', async () => {
    const s = await loadedWithEdit();
    const prepared = await s.prepare({ timeoutMs: 30 });
    expect(prepared.expiresAt).toBeGreaterThan(Date.now() - 1000);
    expect(await prepared.settled).toBe('aborted');
    expect(prepared.abortReason).toBe('timeout');
    expect(suite.log).toContain('alpha:a2:onFree');
    expect(thrown(() => prepared.commit()).details).toEqual({ reason: 'timeout' });
    expect(whoami(s, 'alpha')).toBe('a1');
    // The queue is free again.
    expect((await s.reload()).generation).toBe(2);
  });

  it('takes its default time limit from the swapper option prepareTimeout', async () => {
    const s = await loadedWithEdit({ prepareTimeout: 20 });
    const prepared = await s.prepare();
    expect(await prepared.settled).toBe('aborted');
    expect(prepared.abortReason).toBe('timeout');
  });

  it('close() aborts a prepared reload and frees every version, prepared and serving', async () => {
    const s = await loadedWithEdit();
    const prepared: PreparedReload = await s.prepare();
    await s.close();
    expect(prepared.abortReason).toBe('closed');
    expect(suite.log.filter((l) => l.endsWith('onFree')).sort()).toEqual(['alpha:a1:onFree', 'alpha:a2:onFree', 'beta:b1:onFree']);
    expect(thrown(() => prepared.commit()).code).toBe(ErrorCodes.RELOAD_ABORTED);
  });

  it('a failed handoff at commit() throws its own code, aborts the prepared reload, and the old version keeps its state', async () => {
    const counter = (label: string, take: string): string => `import { definePlugin } from '@hotswap/core/plugin';
let state = { count: 0 };
export default definePlugin<{ state: { count: number } }>({
  giveState: () => state,
  takeState(previous) { ${take} },
  functions: { inc: () => ++state.count, label: () => ${JSON.stringify(label)} },
});`;
    suite.ws.plugin('counter', { 'index.ts': counter('c1', 'state = previous.state as { count: number };') });
    await suite.ws.build();
    const s = swapper();
    await s.load();
    s.current.invoke('counter', 'inc');
    suite.ws.plugin('counter', { 'index.ts': counter('c2', "throw new Error('cannot convert');") });
    await suite.ws.build();
    const prepared = await s.prepare();
    const error = thrown(() => prepared.commit());
    expect(error.code).toBe(ErrorCodes.HANDOFF_FAILED);
    expect(error.stage).toBe('takeState');
    expect(prepared.state).toBe('aborted');
    expect(prepared.abortReason).toBe('commit-failed');
    expect(await prepared.settled).toBe('aborted');
    expect(s.current.invoke('counter', 'label')).toBe('c1');
    expect(s.current.invoke('counter', 'inc')).toBe(2);
    expect(thrown(() => prepared.commit()).details).toEqual({ reason: 'commit-failed' });
  });

  it('rejects as reload() does when the reload cannot be prepared, and the queue moves on', async () => {
    const s = await loadedWithEdit();
    suite.ws.plugin('alpha', { 'index.ts': recordingPlugin('a3', `onInit() { throw new Error('no'); },`) });
    await suite.ws.build({ shared: ['test-log'] });
    const error = await rejection(s.prepare());
    expect(error.code).toBe(ErrorCodes.HOOK_FAILED);
    expect(error.stage).toBe('onInit');
    expect(whoami(s, 'alpha')).toBe('a1');
    suite.ws.plugin('alpha', { 'index.ts': recordingPlugin('a4') });
    await suite.ws.build({ shared: ['test-log'] });
    expect((await s.reload()).generation).toBe(2);
  });

  it('refuses a time limit that is not a positive number, and prepare() before load()', async () => {
    const s = await loadedWithEdit();
    expect((await rejection(s.prepare({ timeoutMs: 0 }))).code).toBe(ErrorCodes.INVALID_OPTION);
    expect((await rejection(s.prepare({ timeoutMs: Number.NaN }))).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(thrown(() => swapper({ prepareTimeout: -1 })).code).toBe(ErrorCodes.INVALID_OPTION);
    const fresh = swapper();
    expect((await rejection(fresh.prepare())).code).toBe(ErrorCodes.NOT_LOADED);
  });
});
