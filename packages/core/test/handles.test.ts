// Handles on their own: one per name without case, a swap reaches the new version, and no retired version is kept.
import { ErrorCodes } from '@hotswap/core';
import { Generation } from '../src/generation.js';
import { Vault } from '../src/vault.js';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { HandleRegistry } from '../src/handle.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion, tick } from './helpers/versions.js';

interface Greeter {
  greet(name: string): string;
}

const greeter = (version: string): PluginVersion =>
  makeVersion('Greeter', { functions: { greet: (name: string) => `${version} greets ${name}` } }, { version });

const generation = (id: number, ...versions: PluginVersion[]): Generation => new Generation(id, versions, new Vault(undefined, {}));

describe('HandleRegistry', () => {
  it('gives one handle per plugin name, compared without case, keeping the name as first asked', () => {
    const current = generation(1, greeter('1.0.0'));
    const handles = new HandleRegistry(() => current);
    const handle = handles.get<Greeter, string>('Greeter');
    expect(handles.get<Greeter, string>('greeter')).toBe(handle);
    expect(handles.get<Greeter, string>('GREETER')).toBe(handle);
    expect(handle.name).toBe('Greeter');
    expect(handles.get('other')).not.toBe(handle);
  });

  it('reaches the new version after a swap, through invoke and through a kept fn', () => {
    let current = generation(1, greeter('1.0.0'));
    const handles = new HandleRegistry(() => current);
    const handle = handles.get<Greeter, string>('greeter');
    const greet = handle.fn('greet');
    expect(handle.invoke('greet', 'ada')).toBe('1.0.0 greets ada');
    expect(greet('bob')).toBe('1.0.0 greets bob');
    current = generation(2, greeter('2.0.0'));
    handles.invalidate();
    expect(handle.invoke('greet', 'ada')).toBe('2.0.0 greets ada');
    expect(greet('bob')).toBe('2.0.0 greets bob');
  });

  it('looks the plugin up again only after invalidate', () => {
    let lookups = 0;
    const first = generation(1, greeter('1.0.0'));
    let current = first;
    const handles = new HandleRegistry(() => {
      lookups++;
      return current;
    });
    const handle = handles.get<Greeter, string>('greeter');
    handle.invoke('greet', 'a');
    handle.invoke('greet', 'b');
    handle.fn('greet')('c');
    expect(lookups).toBe(1);
    current = generation(2, greeter('2.0.0'));
    expect(handle.invoke('greet', 'a')).toBe('1.0.0 greets a');
    handles.invalidate();
    expect(handle.invoke('greet', 'a')).toBe('2.0.0 greets a');
    expect(lookups).toBe(2);
  });

  it('counts a call through a handle as in flight in the version it reached', async () => {
    let finish: () => void = () => {};
    const v = makeVersion('slow', { functions: { wait: () => new Promise<void>((r) => (finish = r)) } });
    const handles = new HandleRegistry(() => generation(1, v));
    const pending = handles.get<{ wait(): Promise<void> }, string>('slow').fn('wait')();
    expect(v.inflight).toBe(1);
    finish();
    await pending;
    expect(v.inflight).toBe(0);
  });

  it('throws PLUGIN_NOT_FOUND for a plugin the serving generation lacks, and FUNC_NOT_FOUND for a missing function', () => {
    let current = generation(3, greeter('1.0.0'));
    const handles = new HandleRegistry(() => current);
    const missing = handles.get<Greeter, string>('nobody');
    expect(thrown(() => missing.invoke('greet', 'x'))).toMatchObject({
      code: ErrorCodes.PLUGIN_NOT_FOUND,
      plugin: 'nobody',
      stage: 'invoke',
      message: 'generation 3 has no plugin "nobody". It has: Greeter.',
    });
    expect(thrown(() => missing.fn('greet')('x')).code).toBe(ErrorCodes.PLUGIN_NOT_FOUND);
    const handle = handles.get<Greeter, string>('greeter');
    expect(thrown(() => (handle.fn as (fn: string) => () => unknown)('nope')()).code).toBe(ErrorCodes.FUNC_NOT_FOUND);
    // The plugin is removed by a reload: the handle says so rather than calling the retired version.
    current = generation(4);
    handles.invalidate();
    expect(thrown(() => handle.invoke('greet', 'x'))).toMatchObject({ code: ErrorCodes.PLUGIN_NOT_FOUND, message: 'generation 4 has no plugin "greeter". It has: none.' });
  });

  it('keeps no retired version alive once invalidated', async () => {
    const collected: string[] = [];
    const registry = new FinalizationRegistry<string>((held) => collected.push(held));
    const holder: { current: Generation } = { current: generation(0) };
    const handles = new HandleRegistry(() => holder.current);
    const handle = handles.get<Greeter, string>('greeter');
    const greet = handle.fn('greet');
    // Made in a function of its own so that no variable here holds the old version.
    ((): void => {
      const old = greeter('1.0.0');
      registry.register(old, 'old version');
      holder.current = generation(1, old);
    })();
    expect(greet('a')).toBe('1.0.0 greets a');
    expect(handle.invoke('greet', 'b')).toBe('1.0.0 greets b');
    holder.current = generation(2, greeter('2.0.0'));
    handles.invalidate();
    const gc = (globalThis as { gc?: () => void }).gc!;
    for (let i = 0; i < 50 && collected.length === 0; i++) {
      gc();
      await tick();
    }
    expect(collected).toEqual(['old version']);
    expect(greet('c')).toBe('2.0.0 greets c');
  });
});

describe('Generation.handle', () => {
  it('reaches only that generation', () => {
    const g = generation(1, greeter('1.0.0'));
    expect(g.handle('GREETER').invoke('greet', 'x')).toBe('1.0.0 greets x');
    expect(thrown(() => g.handle('nobody').invoke('f')).code).toBe(ErrorCodes.PLUGIN_NOT_FOUND);
  });
});
