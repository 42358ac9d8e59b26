// The contract at run time: functions made by setup(ctx), snapshots that
// cannot break a serving version, reload data, memoized handles, and error
// details filled where the messages are made.
import { ErrorCodes, isHotswapError, Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../helpers/errors.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

interface Test {
  data?: { tag: string };
  plugins: {
    p: { functions: { whoami(): string; tag(): string | undefined; imported(): string } };
    q: { exports: { hello(): string } };
  };
}

let ws: Workspace;
let swapper: Swapper<Test>;

beforeEach(() => {
  ws = workspace();
  swapper = new Swapper<Test>({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  ws.cleanup();
});

const q = (version = '1.0.0'): void =>
  ws.plugin('q', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ export: (ctx) => ({ hello: () => 'q ' + ctx.version }) });` }, version);

const p = (label: string, range = '^1.0.0'): void =>
  ws.plugin('p', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({
  import: { q: ${JSON.stringify(range)} },
  setup: (ctx) => ({
    whoami: () => ${JSON.stringify(label)} + ' ' + ctx.buildStamp,
    tag: () => ctx.data?.tag,
    imported: () => ctx.imports.q.hello(),
  }),
});`,
  });

describe('setup(ctx)', () => {
  it('makes functions that see their own version\'s context, and a reload makes new ones', async () => {
    q();
    p('v1');
    await ws.build({ buildStamp: 's1' });
    await swapper.load({ tag: 'first' });
    const handle = swapper.handle('p');
    expect(handle.invoke('whoami')).toBe('v1 s1');
    expect(handle.invoke('imported')).toBe('q 1.0.0');
    p('v2');
    await ws.build({ buildStamp: 's2' });
    await swapper.reload();
    expect(handle.invoke('whoami')).toBe('v2 s2');
  });

  it('fails the reload at OnLoad when setup returns something that is not functions, and the old version keeps serving', async () => {
    q();
    p('v1');
    await ws.build();
    await swapper.load();
    ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ setup: () => ({ whoami: 42 }) });` });
    await ws.build();
    const error = await rejection(swapper.reload());
    expect(error.code).toBe(ErrorCodes.HOOK_FAILED);
    expect(error.stage).toBe('onLoad');
    expect(error.message).toContain('functions.whoami');
    expect(swapper.current.invoke('p', 'whoami')).toMatch(/^v1 /);
  });
});

describe('reload data', () => {
  it('keeps the previous data when left out, takes new data, and can reset to none', async () => {
    q();
    p('v1');
    await ws.build();
    await swapper.load({ tag: 'first' });
    const tag = (): string | undefined => swapper.handle('p').invoke('tag');
    expect(tag()).toBe('first');
    await swapper.reload();
    expect(tag()).toBe('first');
    p('v2');
    await ws.build();
    await swapper.reload({ data: { tag: 'second' } });
    expect(tag()).toBe('second');
    p('v3');
    await ws.build();
    await swapper.reload({ data: undefined });
    expect(tag()).toBeUndefined();
  });
});

describe('snapshots and handles', () => {
  it('hands out frozen snapshots: changing one is refused and the serving plugin keeps serving', async () => {
    q();
    p('v1');
    await ws.build();
    await swapper.load();
    const [first] = swapper.current.plugins;
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => Object.assign(first!, { state: 'freed' })).toThrowError(TypeError);
    expect(() => Object.assign(swapper.current.find('p')!, { state: 'freed' })).toThrowError(TypeError);
    expect(swapper.current.find('p')?.state).toBe('serving');
    expect(swapper.current.invoke('p', 'whoami')).toMatch(/^v1 /);
  });

  it('memoizes handles per name, without case, on the swapper and on a generation', async () => {
    q();
    p('v1');
    await ws.build();
    await swapper.load();
    expect(swapper.handle('p')).toBe(swapper.handle('p'));
    const generation = swapper.current;
    expect(generation.handle('p')).toBe(generation.handle('p'));
  });
});

describe('error details', () => {
  it('names the range and the version found for an unmet dependency', async () => {
    q('2.0.0');
    p('v1', '^1.0.0');
    await ws.build();
    const error = await rejection(swapper.load());
    expect(isHotswapError(error, ErrorCodes.DEP_VERSION)).toBe(true);
    expect(error.details).toEqual({ plugin: 'p', stage: 'link', dependency: 'q', range: '^1.0.0', found: '2.0.0' });
  });

  it('lists the cycle as names', async () => {
    const cyclic = (other: string): string =>
      `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ import: { ${other}: '*' } });`;
    ws.plugin('a', { 'index.ts': cyclic('b') });
    ws.plugin('b', { 'index.ts': cyclic('a') });
    await ws.build();
    const error = await rejection(swapper.load());
    expect(error.code).toBe(ErrorCodes.DEP_CYCLE);
    expect(error.details).toMatchObject({ cycle: ['a', 'b', 'a'], stage: 'link' });
  });

  it('lists the functions offered and the plugins there are', async () => {
    q();
    p('v1');
    await ws.build();
    await swapper.load();
    let caught: unknown;
    try {
      // @ts-expect-error: p has no function nope; the run-time error says what it offers.
      swapper.current.invoke('p', 'nope');
    } catch (error) {
      caught = error;
    }
    expect(isHotswapError(caught, ErrorCodes.FUNC_NOT_FOUND) && caught.details).toEqual({
      plugin: 'p',
      stage: 'invoke',
      fn: 'nope',
      offered: ['whoami', 'tag', 'imported'],
    });
    try {
      // @ts-expect-error: there is no plugin r; the run-time error lists those there are.
      swapper.current.invoke('r', 'x');
    } catch (error) {
      caught = error;
    }
    expect(isHotswapError(caught, ErrorCodes.PLUGIN_NOT_FOUND) && caught.details.available).toEqual(['q', 'p']);
  });
});
