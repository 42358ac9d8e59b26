// Build real plugins with `hotswap build`, load and reload them in-process.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, HotswapError, Swapper, type SwapperOptions } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection, thrown } from '../helpers/errors.js';
import { recordingPlugin, workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let log: string[];
const swappers: Swapper[] = [];

beforeEach(() => {
  ws = workspace();
  log = [];
});
afterEach(async () => {
  await Promise.all(swappers.splice(0).map((s) => s.close().catch(() => undefined)));
  ws.cleanup();
});

function swapper(options: Partial<SwapperOptions> = {}): Swapper {
  const s = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0, ...options });
  swappers.push(s);
  return s;
}

async function buildAll(): Promise<void> {
  await ws.build({ shared: ['test-log'] });
}

const failure = rejection;

describe('load', () => {
  it('loads every plugin, runs OnLoad then OnInit, and serves their functions', async () => {
    ws.plugin('alpha', { 'index.ts': recordingPlugin('a1') });
    ws.plugin('beta', { 'index.ts': recordingPlugin('b1') });
    await buildAll();
    const s = swapper();
    const details = await s.load(undefined);
    expect(details.generation).toBe(1);
    expect(details.plugins.map((p) => [p.name, p.status, p.version])).toEqual([
      ['alpha', 'loaded', '1.0.0'],
      ['beta', 'loaded', '1.0.0'],
    ]);
    expect(log).toEqual(['alpha:a1:onLoad', 'beta:b1:onLoad', 'alpha:a1:onInit', 'beta:b1:onInit']);
    expect(s.current.invoke('beta', 'whoami')).toBe('b1');
    expect(s.current.find('ALPHA')?.name).toBe('alpha');
    expect(s.reloadCounter).toBe(0);
  });

  it('passes the load data to OnLoad and gives every version its build stamp', async () => {
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
let seen: unknown; let stamp = '';
export default definePlugin({ onLoad(ctx) { seen = ctx.data; stamp = ctx.buildStamp; }, functions: { seen: () => seen, stamp: () => stamp } });`,
    });
    const built = await ws.build({ buildStamp: 'stamp-1' });
    const s = swapper();
    await s.load({ answer: 42 });
    expect(s.current.invoke('p', 'seen')).toEqual({ answer: 42 });
    expect(s.current.invoke('p', 'stamp')).toBe('stamp-1');
    expect(built.plugins[0]?.manifest.buildStamp).toBe('stamp-1');
  });

  it('hands plugins the host instance of shared modules and of @hotswap/core/plugin, never a copy, and not the host API', async () => {
    ws.plugin('p', {
      'index.ts': `import * as core from '@hotswap/core/plugin';
import { log } from 'test-log';
export default core.definePlugin({ functions: { same: () => log, error: () => core.HotswapError, keys: () => Object.keys(core) } });`,
    });
    await buildAll();
    const s = swapper();
    await s.load();
    expect(s.current.invoke('p', 'same')).toBe(log);
    expect(s.current.invoke('p', 'error')).toBe(HotswapError);
    const keys = s.current.invoke('p', 'keys');
    expect(keys).toContain('definePlugin');
    expect(keys).not.toContain('Swapper');
    expect(keys).not.toContain('serveAdmin');
  });

  it('does not give a plugin the host API: importing @hotswap/core fails its load, and the host keeps serving', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('x') });
    await buildAll();
    const s = swapper();
    await s.load();
    ws.plugin('p', {
      'index.ts': `import { Swapper } from '@hotswap/core';
import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => typeof Swapper } });`,
    });
    await buildAll();
    const error = await failure(s.reload());
    expect(error.code).toBe(ErrorCodes.EVALUATE_FAILED);
    expect(error.message).toContain('@hotswap/core');
    expect(s.current.invoke('p', 'whoami')).toBe('x');
  });

  it('refuses a second load and a reload before the first load', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('x') });
    await buildAll();
    const s = swapper();
    expect((await failure(s.reload())).code).toBe(ErrorCodes.NOT_LOADED);
    expect(thrown(() => s.current).code).toBe(ErrorCodes.NOT_LOADED);
    await s.load(undefined);
    expect((await failure(s.load(undefined))).code).toBe(ErrorCodes.ALREADY_LOADED);
    await s.close();
    expect(() => s.current).toThrowError(/the swapper is closed/);
    expect((await failure(s.reload())).message).toContain('closed');
  });

  it('applies the whitelist without case, and reports a whitelisted plugin that is missing', async () => {
    ws.plugin('alpha', { 'index.ts': recordingPlugin('a') });
    ws.plugin('beta', { 'index.ts': recordingPlugin('b') });
    await buildAll();
    const s = swapper({ whitelist: ['BETA'] });
    await s.load(undefined);
    expect(s.current.plugins.map((p) => p.name)).toEqual(['beta']);
    const missing = swapper({ whitelist: ['beta', 'gamma'] });
    const error = await failure(missing.load(undefined));
    expect(error.code).toBe(ErrorCodes.WHITELIST_MISSING);
    expect(error.plugin).toBe('gamma');
  });

  it('reports a missing, an empty and an unreadable plugin directory', async () => {
    expect((await failure(swapper({ pluginDir: join(ws.root, 'nope') }).load(undefined))).code).toBe(
      ErrorCodes.PLUGIN_DIR_MISSING,
    );
    expect((await failure(swapper({ pluginDir: ws.src }).load(undefined))).code).toBe(ErrorCodes.PLUGIN_DIR_EMPTY);
    if (process.getuid?.() !== 0) {
      ws.plugin('p', { 'index.ts': recordingPlugin('x') });
      await buildAll();
      chmodSync(ws.bin, 0o000);
      try {
        expect((await failure(swapper().load(undefined))).code).toBe(ErrorCodes.PLUGIN_DIR_UNREADABLE);
      } finally {
        chmodSync(ws.bin, 0o755);
      }
    }
  });

  it('refuses two artifacts whose plugin names differ only in case', async () => {
    ws.plugin('Hello', { 'index.ts': recordingPlugin('x') });
    await buildAll();
    const first = readFileSync(join(ws.bin, 'Hello.hotswap.js'), 'utf8');
    ws.remove('Hello');
    ws.plugin('hello', { 'index.ts': recordingPlugin('y') });
    await buildAll();
    writeFileSync(join(ws.bin, 'Hello.hotswap.js'), first);
    const error = await failure(swapper().load(undefined));
    expect(error.code).toBe(ErrorCodes.DUPLICATE_PLUGIN);
    expect(error.message).toMatch(/Hello\.hotswap\.js.*hello\.hotswap\.js/);
  });
});

describe('reload', () => {
  it('reloads a changed plugin, carries over an unchanged one, retires a removed one, loads a new one', async () => {
    ws.plugin('keep', { 'index.ts': recordingPlugin('k1') });
    ws.plugin('change', { 'index.ts': recordingPlugin('c1') });
    ws.plugin('gone', { 'index.ts': recordingPlugin('g1') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    const keepBefore = s.current.find('keep');

    ws.plugin('change', { 'index.ts': recordingPlugin('c2') }, '1.1.0');
    ws.remove('gone');
    ws.plugin('fresh', { 'index.ts': recordingPlugin('f1') });
    await ws.build({ shared: ['test-log'], include: /^(change|fresh)$/ });
    log.length = 0;
    const details = await s.reload();
    await s.settled();

    expect(details.generation).toBe(2);
    expect(details.plugins.map((p) => [p.name, p.status])).toEqual([
      ['change', 'loaded'],
      ['fresh', 'loaded'],
      ['keep', 'unchanged'],
      ['gone', 'removed'],
    ]);
    expect(details.plugins[0]).toMatchObject({ version: '1.1.0', previousVersion: '1.0.0' });
    expect(s.current.find('keep')).toEqual(keepBefore);
    expect(s.current.invoke('change', 'whoami')).toBe('c2');
    expect(s.current.find('gone')).toBeUndefined();
    expect(s.reloadCounter).toBe(1);
    // New versions load; every plugin of the new generation inits with its vault; retired ones are freed in reverse order.
    expect(log).toEqual([
      'change:c2:onLoad',
      'fresh:f1:onLoad',
      'change:c2:onInit',
      'fresh:f1:onInit',
      'keep:k1:onInit',
      'gone:g1:onFree',
      'change:c1:onFree',
    ]);
  });

  it('treats a rebuild of unchanged sources as a new version, since its build stamp differs', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('same') });
    await ws.build({ shared: ['test-log'], buildStamp: 's1' });
    const s = swapper();
    await s.load(undefined);
    expect((await s.reload()).plugins[0]?.status).toBe('unchanged');
    await ws.build({ shared: ['test-log'], buildStamp: 's2' });
    expect((await s.reload()).plugins[0]?.status).toBe('loaded');
    expect(s.current.find('p')?.buildStamp).toBe('s2');
  });

  it('carries over a plugin that is not reloadable, whatever its new build says', async () => {
    ws.plugin('fixed', { 'index.ts': recordingPlugin('v1', 'reloadable: false,') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    ws.plugin('fixed', { 'index.ts': recordingPlugin('v2') });
    await buildAll();
    const details = await s.reload();
    expect(details.plugins.map((p) => p.status)).toEqual(['not-reloadable']);
    expect(s.current.invoke('fixed', 'whoami')).toBe('v1');
    expect(s.current.find('fixed')?.reloadable).toBe(false);
  });

  it('asks an async Reloadable hook, and calls an async Export', async () => {
    ws.plugin('p', {
      'index.ts': recordingPlugin(
        'v1',
        `reloadable: async () => { await new Promise((r) => setTimeout(r, 5)); return false; },
         export: async () => ({ answer: 42 }),`,
      ),
    });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    expect(s.current.find('p')?.reloadable).toBe(false);
    expect(s.current.find('p')?.exported).toEqual({ answer: 42 });
  });

  it('serializes reloads: concurrent requests never interleave', async () => {
    ws.plugin('slow', {
      'index.ts': recordingPlugin(
        'v1',
        `onLoad: async (ctx) => { log.push('start ' + ctx.buildStamp); await new Promise((r) => setTimeout(r, 30)); log.push('end ' + ctx.buildStamp); },`,
      ),
    });
    await ws.build({ shared: ['test-log'], buildStamp: 'b0' });
    const s = swapper();
    await s.load(undefined);
    log.length = 0;
    const reloads: Promise<unknown>[] = [];
    for (let i = 1; i <= 3; i++) {
      await ws.build({ shared: ['test-log'], buildStamp: `b${i}` });
      reloads.push(s.reload());
    }
    await Promise.all(reloads);
    const starts = log.filter((l) => l.startsWith('start') || l.startsWith('end'));
    for (let i = 0; i < starts.length; i += 2) {
      expect(starts[i]?.replace('start', '')).toBe(starts[i + 1]?.replace('end', ''));
    }
    expect(s.reloadCounter).toBe(3);
  });

  it('swaps atomically: a caller holding the swapper always reaches one whole generation', async () => {
    ws.plugin('a', { 'index.ts': recordingPlugin('a1') });
    ws.plugin('b', { 'index.ts': recordingPlugin('b1') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    ws.plugin('a', { 'index.ts': recordingPlugin('a2') });
    ws.plugin('b', { 'index.ts': recordingPlugin('b2') });
    await buildAll();
    const pairs = new Set<string>();
    const reload = s.reload();
    while (s.reloadCounter === 0) {
      const gen = s.current;
      pairs.add(`${String(gen.invoke('a', 'whoami'))}/${String(gen.invoke('b', 'whoami'))}`);
      await new Promise((r) => setImmediate(r));
    }
    await reload;
    const gen = s.current;
    pairs.add(`${String(gen.invoke('a', 'whoami'))}/${String(gen.invoke('b', 'whoami'))}`);
    expect([...pairs].sort()).toEqual(['a1/b1', 'a2/b2']);
  });

  it('runs OnFree of a retired version only after the free delay', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await ws.build({ shared: ['test-log'], buildStamp: 'one' });
    const s = swapper({ freeDelay: 150 });
    const freed: string[] = [];
    s.on('version:free', (e) => freed.push(e.buildStamp));
    await s.load(undefined);
    ws.plugin('p', { 'index.ts': recordingPlugin('v2') });
    await ws.build({ shared: ['test-log'], buildStamp: 'two' });
    await s.reload();
    await new Promise((r) => setTimeout(r, 50));
    expect(freed).toEqual([]);
    expect(log).not.toContain('p:v1:onFree');
    await s.settled();
    expect(freed).toEqual(['one']);
    expect(log.filter((l) => l.endsWith('onFree'))).toEqual(['p:v1:onFree']);
  });

  it('aborts the signal of a retired version at the swap', async () => {
    ws.plugin('p', {
      'index.ts': recordingPlugin('v1', `onLoad(ctx) { ctx.signal.addEventListener('abort', () => log.push('aborted ' + ctx.buildStamp)); },`),
    });
    await ws.build({ shared: ['test-log'], buildStamp: 'one' });
    const s = swapper({ freeDelay: 10_000 });
    await s.load(undefined);
    await ws.build({ shared: ['test-log'], buildStamp: 'two' });
    await s.reload();
    expect(log).toContain('aborted one');
    expect(log).not.toContain('aborted two');
  });

  it('reads another directory after resetPluginDir', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    ws.plugin('p', { 'index.ts': recordingPlugin('v2') });
    await ws.build({ shared: ['test-log'], outputDir: join(ws.root, 'bin2') });
    s.resetPluginDir(join(ws.root, 'bin2'));
    await s.reload();
    expect(s.current.invoke('p', 'whoami')).toBe('v2');
    expect(thrown(() => s.resetPluginDir('')).code).toBe(ErrorCodes.INVALID_OPTION);
  });

  it('emits reload:start, hook, reload:success, version:retire and version:free', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    const s = swapper();
    const events: string[] = [];
    s.on('reload:start', (e) => events.push(`start ${e.generation}`));
    s.on('hook', (e) => events.push(`hook ${e.plugin} ${e.stage}`));
    s.on('hook', (e) => expect(e.ok).toBe(true));
    s.on('reload:success', (d) => events.push(`success ${d.generation}`));
    s.on('version:retire', (e) => events.push(`retire ${e.plugin}`));
    s.on('version:free', (e) => events.push(`free ${e.plugin}`));
    await s.load(undefined);
    ws.plugin('p', { 'index.ts': recordingPlugin('v2') });
    await buildAll();
    await s.reload();
    await s.settled();
    expect(events).toEqual([
      'start 1',
      'hook p onLoad',
      'hook p onInit',
      'success 1',
      'start 2',
      'hook p onLoad',
      'hook p onInit',
      'success 2',
      'retire p',
      'hook p onFree',
      'free p',
    ]);
  });
});

describe('vault', () => {
  it('makes a fresh extension per generation, shares one bag, and gives carried-over plugins the new vault in OnInit', async () => {
    const plugin = (label: string): string => `
import { definePlugin } from '@hotswap/core/plugin';
interface Types { extension: { greet?: () => string; generation: number }; bag: { inits: number } }
export default definePlugin<Types>({
  onInit(ctx) { ctx.vault.bag.inits++; ctx.vault.extension.greet = () => ${JSON.stringify(label)} + ' in ' + ctx.vault.extension.generation; },
});`;
    ws.plugin('filler', { 'index.ts': plugin('v1') });
    ws.plugin('other', { 'index.ts': recordingPlugin('o1') });
    await buildAll();
    let made = 0;
    const bag = { inits: 0 };
    const s = swapper({ extension: () => ({ generation: ++made }), bag });
    await s.load(undefined);
    const first = s.current.vault.extension as { greet: () => string };
    expect(first.greet()).toBe('v1 in 1');
    ws.plugin('other', { 'index.ts': recordingPlugin('o2') });
    await ws.build({ shared: ['test-log'], include: /^other$/ });
    await s.reload();
    const second = s.current.vault.extension as { greet: () => string };
    expect(second).not.toBe(first);
    expect(second.greet()).toBe('v1 in 2');
    expect(s.current.vault.bag).toBe(bag);
    expect(bag.inits).toBe(2);
  });
});

describe('invoke', () => {
  it('invokes each plugin forward and backward, skipping plugins without the function', async () => {
    ws.plugin('a', { 'index.ts': recordingPlugin('a', `functions: { whoami: () => 'a', echo: async (x: number) => 'a' + x },`) });
    ws.plugin('b', { 'index.ts': recordingPlugin('b') });
    ws.plugin('c', { 'index.ts': recordingPlugin('c', `functions: { echo: (x: number) => 'c' + x },`) });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    expect(await s.current.invokeEach('echo', 1)).toEqual([
      { plugin: 'a', result: 'a1' },
      { plugin: 'c', result: 'c1' },
    ]);
    expect((await s.current.invokeEachBackward('echo', 2)).map((r) => r.result)).toEqual(['c2', 'a2']);
  });

  it('passes a plugin error to the caller unchanged, and the generation goes on serving', async () => {
    ws.plugin('p', {
      'index.ts': recordingPlugin(
        'v1',
        `functions: { whoami: () => 'v1', boom: () => { throw new RangeError('bad input'); }, later: async () => { throw new TypeError('bad later'); } },`,
      ),
    });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    expect(() => s.current.invoke('p', 'boom')).toThrowError(RangeError);
    await expect(s.current.invoke('p', 'later') as Promise<unknown>).rejects.toThrowError('bad later');
    expect(thrown(() => s.current.invoke('p', 'nope')).code).toBe(ErrorCodes.FUNC_NOT_FOUND);
    expect(thrown(() => s.current.invoke('q', 'whoami')).code).toBe(ErrorCodes.PLUGIN_NOT_FOUND);
    expect(s.current.invoke('p', 'whoami')).toBe('v1');
    expect(s.current.find('p')?.inflight).toBe(0);
  });

  it('routes through a custom InvokeFunc', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1', `invokeFunc: (name: string, ...params: unknown[]) => name + ':' + params.join(','),`) });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    expect(s.current.invoke('p', 'anything', 1, 2)).toBe('anything:1,2');
  });
});

describe('artifacts on disk', () => {
  it('refuses a truncated artifact, a file that is not one, and one for another core; the current generation keeps serving', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    const path = join(ws.bin, 'p.hotswap.js');
    const good = readFileSync(path, 'utf8');

    writeFileSync(path, good.slice(0, good.length - 100));
    expect((await failure(s.reload())).code).toBe(ErrorCodes.ARTIFACT_HASH_MISMATCH);
    writeFileSync(path, 'module.exports = {}\n');
    expect((await failure(s.reload())).code).toBe(ErrorCodes.ARTIFACT_INVALID);
    writeFileSync(path, good.replace(/"core":"[^"]+"/, '"core":"99.0.0"'));
    expect((await failure(s.reload())).code).toBe(ErrorCodes.ARTIFACT_INCOMPATIBLE);

    expect(s.current.id).toBe(1);
    expect(s.current.invoke('p', 'whoami')).toBe('v1');
  });

  it('refuses a plugin that needs a shared module the host does not provide', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    const s = new Swapper({ pluginDir: ws.bin, logger: false });
    swappers.push(s);
    const error = await failure(s.load(undefined));
    expect(error.code).toBe(ErrorCodes.SHARED_MODULE_MISSING);
    expect(error.message).toContain('test-log');
  });

  it('validates the options', () => {
    expect(thrown(() => new Swapper({ pluginDir: '' })).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(() => new Swapper({ pluginDir: 'x', freeDelay: -1 })).toThrowError(/freeDelay/);
    expect(thrown(() => new Swapper({ pluginDir: 'x', leakCheckInterval: -1 })).code).toBe(ErrorCodes.INVALID_OPTION);
    expect(() => new Swapper({ pluginDir: 'x', leakCheckInterval: Number.NaN })).toThrowError(/leakCheckInterval/);
  });
});

describe('robustness', () => {
  it('a listener that throws does not fail the reload, and the retired version is still freed', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    s.on('reload:success', () => {
      throw new Error('a careless listener');
    });
    ws.plugin('p', { 'index.ts': recordingPlugin('v2') });
    await buildAll();
    const details = await s.reload();
    await s.settled();
    expect(details.generation).toBe(2);
    expect(s.current.invoke('p', 'whoami')).toBe('v2');
    expect(log).toContain('p:v1:onFree');
  });

  it('an unexpected error fails the reload with HOTSWAP_RELOAD_FAILED and its cause', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    let calls = 0;
    const s = swapper({
      extension: () => {
        if (++calls > 1) throw new Error('no extension today');
        return {};
      },
    });
    await s.load(undefined);
    const error = await rejection(s.reload());
    expect(error.code).toBe(ErrorCodes.RELOAD_FAILED);
    expect((error.cause as Error).message).toBe('no extension today');
    expect(s.current.invoke('p', 'whoami')).toBe('v1');
  });

  it('refuses calls through a kept generation once its version is freed', async () => {
    ws.plugin('p', { 'index.ts': recordingPlugin('v1') });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    const old = s.current;
    ws.plugin('p', { 'index.ts': recordingPlugin('v2') });
    await buildAll();
    await s.reload();
    expect(old.invoke('p', 'whoami')).toBe('v1'); // retiring: still callable
    await s.settled();
    expect(thrown(() => old.invoke('p', 'whoami')).code).toBe(ErrorCodes.VERSION_FREED);
  });

  it('treats an empty whitelist as none, never reads artifacts the whitelist leaves out, and refuses a renamed artifact', async () => {
    ws.plugin('a', { 'index.ts': recordingPlugin('a1') });
    ws.plugin('b', { 'index.ts': recordingPlugin('b1') });
    await buildAll();
    const all = swapper({ whitelist: [] });
    await all.load(undefined);
    expect(all.current.plugins.map((p) => p.name)).toEqual(['a', 'b']);
    writeFileSync(join(ws.bin, 'b.hotswap.js'), 'broken');
    const onlyA = swapper({ whitelist: ['A'] });
    await onlyA.load(undefined);
    expect(onlyA.current.plugins.map((p) => p.name)).toEqual(['a']);
    writeFileSync(join(ws.bin, 'c.hotswap.js'), readFileSync(join(ws.bin, 'a.hotswap.js')));
    const renamed = await rejection(swapper({ whitelist: ['c'] }).load(undefined));
    expect(renamed.code).toBe(ErrorCodes.ARTIFACT_INVALID);
    expect(renamed.message).toContain('must be named after its plugin: a.hotswap.js');
  });
});

describe('dynamic import in plugins', () => {
  it('imports built-ins and shared modules with import(), getting the host instance', async () => {
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: {
  async fs() { const fs = await import('node:fs'); return typeof fs.readFileSync; },
  async shared() { const m = await import('test-log'); return m.log; },
  async lazy() { const { twice } = await import('./lazy.js'); return twice(21); },
} });`,
      'lazy.ts': 'export const twice = (n: number): number => n * 2;',
    });
    await buildAll();
    const s = swapper();
    await s.load(undefined);
    expect(await s.current.invoke('p', 'fs')).toBe('function');
    expect(await s.current.invoke('p', 'shared')).toBe(log);
    expect(await s.current.invoke('p', 'lazy')).toBe(42);
  });
});
