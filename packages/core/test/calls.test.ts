// The call path into a version: only a promise is counted in flight, until it
// settles; a synchronous call, even one that throws, never is; a freed
// version refuses calls on every path that kept it; arguments and `this`
// reach the plugin's function as a direct call would pass them.
import { ErrorCodes } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { Generation } from '../src/generation.js';
import { HandleRegistry } from '../src/handle.js';
import type { PluginDefinition } from '../src/plugin.js';
import { Vault } from '../src/vault.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion } from './helpers/versions.js';

type Fn = (...params: unknown[]) => unknown;

/** A serving version of plugin `p`, a generation of it, and every path a host calls it through. */
function paths(definition: PluginDefinition): {
  v: PluginVersion;
  generation: Generation;
  viaFn: (fn: string) => Fn;
  viaInvoke: (fn: string) => Fn;
  viaGeneration: (fn: string) => Fn;
} {
  const v = makeVersion('p', definition);
  v.serve();
  const generation = new Generation(1, [v], new Vault(undefined, {}));
  const handle = new HandleRegistry(() => generation).get<Record<string, Fn>, string>('p');
  return {
    v,
    generation,
    viaFn: (fn) => handle.fn(fn),
    viaInvoke: (fn) => (...params) => handle.invoke(fn, ...params),
    viaGeneration: (fn) => (...params) => generation.invoke('p', fn, ...params),
  };
}

const kinds = ['viaFn', 'viaInvoke', 'viaGeneration'] as const;

/** Whatever `call` throws, the very value. */
function caught(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('the call path', () => {
  for (const kind of kinds) {
    it(`${kind}: counts a promise in flight until it settles, fulfilled or rejected, and hands on its outcome`, async () => {
      const settle: Array<(ok: boolean) => void> = [];
      const p = paths({
        functions: {
          later: () =>
            new Promise((resolve, reject) => settle.push((ok) => (ok ? resolve('done') : reject(new Error('refused'))))),
        },
      });
      const call = p[kind]('later');
      const first = call() as Promise<unknown>;
      const second = call() as Promise<unknown>;
      expect(p.v.inflight).toBe(2);
      let drained = false;
      const waiting = p.v.drained().then(() => (drained = true));
      settle[0]!(true);
      expect(await first).toBe('done');
      expect(p.v.inflight).toBe(1);
      expect(drained).toBe(false);
      settle[1]!(false);
      await expect(second).rejects.toThrowError('refused');
      await waiting;
      expect(p.v.inflight).toBe(0);
    });

    it(`${kind}: never counts a synchronous call, even one that throws, and the error reaches the caller unchanged`, async () => {
      const error = new Error('sync failure');
      let seenInside = -1;
      const p = paths({
        functions: {
          fails: () => {
            throw error;
          },
          look: () => (seenInside = p.v.inflight),
        },
      });
      expect(caught(() => p[kind]('fails')())).toBe(error);
      p[kind]('look')();
      expect(seenInside).toBe(0);
      expect(p.v.inflight).toBe(0);
      let drained = false;
      await p.v.drained().then(() => (drained = true));
      expect(drained).toBe(true);
    });

    it(`${kind}: passes exactly the arguments given, past the ones written out, and the plugin's own this`, () => {
      const p = paths({
        functions: {
          count: (...xs: unknown[]) => xs.length,
          list: (...xs: unknown[]) => xs.join(','),
          base: () => 40,
          method(this: { base(): number }, n: number) {
            return this.base() + n;
          },
        },
      });
      const count = p[kind]('count');
      expect([count(), count(1), count(1, 2), count(1, 2, 3), count(1, 2, 3, 4), count(1, 2, 3, 4, 5)]).toEqual([0, 1, 2, 3, 4, 5]);
      expect(p[kind]('list')(1, 2, 3, 4, 5, 6, 7)).toBe('1,2,3,4,5,6,7');
      expect(p[kind]('method')(2)).toBe(42);
    });
  }

  it('counts a thenable that is not a promise until it settles', async () => {
    let resolveIt: (value: string) => void = () => {};
    const thenable = { then: (onValue: (value: string) => void) => void (resolveIt = onValue) };
    const p = paths({ functions: { later: () => thenable } });
    const pending = p.viaFn('later')() as Promise<string>;
    await new Promise((r) => setTimeout(r, 1));
    expect(p.v.inflight).toBe(1);
    resolveIt('settled');
    expect(await pending).toBe('settled');
    expect(p.v.inflight).toBe(0);
  });

  it('reaches an InvokeFunc by name, with the definition as this', () => {
    const definition: PluginDefinition = {
      invokeFunc(this: PluginDefinition, fn: string, ...params: unknown[]) {
        return `${fn}(${params.join(',')}) ${this === definition ? 'on its definition' : 'elsewhere'}`;
      },
    };
    const p = paths(definition);
    expect(p.viaFn('greet')(1, 2)).toBe('greet(1,2) on its definition');
    expect(p.viaGeneration('other')()).toBe('other() on its definition');
  });

  it('gives the same function for the same name each time, named for it', () => {
    const p = paths({ functions: { a: () => 1, b: () => 2 } });
    const handle = new HandleRegistry(() => p.generation).get<{ a(): number; b(): number }, string>('p');
    expect(handle.fn('a')).toBe(handle.fn('a'));
    expect(handle.fn('a')).not.toBe(handle.fn('b'));
    expect(handle.fn('b').name).toBe('b');
  });

  it('refuses calls on a freed version with VERSION_FREED on every path kept across its end, live functions too', () => {
    const p = paths({ functions: { now: () => 1 } });
    const live = p.v.tracked(() => 2);
    const kept = kinds.map((kind) => p[kind]('now'));
    expect(kept.map((call) => call())).toEqual([1, 1, 1]);
    expect(live()).toBe(2);
    p.v.retire();
    // A retiring version still serves the calls that reach it.
    expect(kept.map((call) => call())).toEqual([1, 1, 1]);
    p.v.free();
    for (const call of [...kept, live]) expect(thrown(() => call())).toMatchObject({ code: ErrorCodes.VERSION_FREED, plugin: 'p' });
    expect(thrown(() => p.v.invoke('now')).code).toBe(ErrorCodes.VERSION_FREED);
  });
});
