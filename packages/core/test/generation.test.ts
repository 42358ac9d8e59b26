// The generation and version logic on its own, with definitions made in memory.
import { definePlugin, ErrorCodes, type Manifest, type PluginDefinition } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { Generation } from '../src/generation.js';
import { Vault } from '../src/vault.js';
import { silentLogger } from '../src/logger.js';
import { validateDefinition } from '../src/plugin.js';
import { PluginVersion } from '../src/version/version.js';

function version(name: string, definition: PluginDefinition): PluginVersion {
  const manifest: Manifest = {
    format: 1,
    name,
    version: '1.0.0',
    hash: `sha256-${name}`,
    core: '0.1.0',
    shared: [],
    buildStamp: 's',
    builtAt: '',
    entry: 'index.ts',
    live: [],
  };
  return new PluginVersion({ manifest, digest: name, definition, data: undefined, vault: new Vault(undefined, {}), log: silentLogger });
}

describe('Generation', () => {
  const calls: string[] = [];
  const gen = new Generation(
    7,
    [
      version('Alpha', definePlugin({ functions: { tick: (n: number) => calls.push(`alpha ${n}`) } })),
      version('beta', definePlugin({})),
      version('gamma', definePlugin({ invokeFunc: (name, ...p) => calls.push(`gamma ${name} ${String(p[0])}`) })),
    ],
    new Vault(undefined, {}),
  );

  it('finds plugins without case and lists them in order', () => {
    expect(gen.id).toBe(7);
    expect(gen.find('alpha')?.name).toBe('Alpha');
    expect(gen.find('GAMMA')?.name).toBe('gamma');
    expect(gen.find('delta')).toBeUndefined();
    expect(gen.plugins.map((p) => p.name)).toEqual(['Alpha', 'beta', 'gamma']);
  });

  it('invokes each forward and backward; a custom InvokeFunc receives every name', async () => {
    calls.length = 0;
    await gen.invokeEach('tick', 1);
    await gen.invokeEachBackward('tick', 2);
    expect(calls).toEqual(['alpha 1', 'gamma tick 1', 'gamma tick 2', 'alpha 2']);
  });

  it('stops invokeEach at the first error and throws it', async () => {
    const g = new Generation(1, [
      version('a', definePlugin({ functions: { f: () => { throw new Error('a broke'); } } })),
      version('b', definePlugin({ functions: { f: () => calls.push('b ran') } })),
    ], new Vault(undefined, {}));
    calls.length = 0;
    await expect(g.invokeEach('f')).rejects.toThrowError('a broke');
    expect(calls).toEqual([]);
  });

  it('says which plugin or function is missing', () => {
    const noPlugin = thrown(() => gen.invoke('delta', 'x'));
    expect(noPlugin.code).toBe(ErrorCodes.PLUGIN_NOT_FOUND);
    expect(noPlugin.message).toContain('It has: Alpha, beta, gamma');
    const noFunc = thrown(() => gen.invoke('alpha', 'nope'));
    expect(noFunc.code).toBe(ErrorCodes.FUNC_NOT_FOUND);
    expect(noFunc.message).toContain('It offers: tick');
  });
});

describe('PluginVersion in-flight count', () => {
  it('counts sync and async calls until they return or settle, and resolves drained() at zero', async () => {
    let release: () => void = () => {};
    const v = version('p', definePlugin({
      functions: {
        now: () => 1,
        fails: () => { throw new Error('x'); },
        later: () => new Promise<void>((r) => { release = r; }),
      },
    }));
    expect(v.invoke('now')).toBe(1);
    expect(() => v.invoke('fails')).toThrowError('x');
    expect(v.inflight).toBe(0);
    const pending = v.invoke('later') as Promise<void>;
    expect(v.inflight).toBe(1);
    let drained = false;
    const wait = v.drained().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(drained).toBe(false);
    release();
    await pending;
    await wait;
    expect(v.inflight).toBe(0);
    expect(drained).toBe(true);
  });
});

describe('validateDefinition', () => {
  it.each([
    [null, /got null/],
    [42, /got number/],
    [{ onload() {} }, /did you mean "onLoad"/],
    [{ onFree: 1 }, /"onFree" must be a function/],
    [{ reloadable: 'yes' }, /"reloadable" must be a boolean or a function/],
    [{ import: 5 }, /"import" must be an object/],
    [{ functions: { f: 1 } }, /functions\.f must be a function/],
  ])('refuses %j', (value, message) => {
    expect(validateDefinition(value)).toMatch(message);
  });

  it('accepts every hook, all optional', () => {
    expect(validateDefinition({})).toBeUndefined();
    expect(
      validateDefinition({
        reloadable: false,
        export: () => ({}),
        import: { other: '^1.0.0' },
        onLoad() {},
        onInit() {},
        onFree() {},
        invokeFunc() {},
        functions: { f() {} },
      }),
    ).toBeUndefined();
  });
});
