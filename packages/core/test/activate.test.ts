// The activate phase on its own: OnLoad of new versions, the vault, OnInit of every member, then the reload callbacks.
import { ErrorCodes, HotswapError } from '@hotswap/core';
import { Generation } from '../src/generation.js';
import { Vault } from '../src/vault.js';
import { describe, expect, it } from 'vitest';
import { Census } from '../src/census.js';
import { silentLogger } from '../src/logger.js';
import type { HostTypes } from '../src/plugin.js';
import { activate } from '../src/reload/activate.js';
import type { ReloadCallback, ReloadInput } from '../src/reload/input.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion, recordingRunner } from './helpers/versions.js';

function input(callbacks: ReloadCallback<HostTypes>[] = [], previous?: Generation, timeoutMs = 1_000): ReloadInput<HostTypes> {
  return {
    id: 5,
    previous,
    data: undefined,
    shared: new Map(),
    makeVault: () => new Vault(undefined, {}),
    runner: recordingRunner({ timeoutMs }).runner,
    log: silentLogger,
    callbacks,
    census: new Census(silentLogger, false, () => {}, () => {}),
    refuseOlder: false,
    onTeardownFailure: () => {},
  };
}

async function failure(promise: Promise<unknown>): Promise<HotswapError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HotswapError) return error;
    throw error;
  }
  throw new Error('activate did not fail');
}

describe('activate', () => {
  it('runs OnLoad of the new versions in order, then OnInit of every member with the new vault, then the callbacks', async () => {
    const log: string[] = [];
    const vault = new Vault(undefined, {});
    const hooks = (name: string) => ({
      onLoad: () => void log.push(`onLoad ${name}`),
      onInit: (ctx: { vault: Vault }) => void log.push(`onInit ${name} ${ctx.vault === vault ? 'new vault' : 'old vault'}`),
    });
    const carried = makeVersion('carried', hooks('carried'));
    carried.serve();
    const first = makeVersion('first', hooks('first'));
    const second = makeVersion('second', hooks('second'));
    const previous = new Generation(4, [carried], new Vault(undefined, {}));
    const ordered = [first, carried, second];
    const generation = await activate(
      input([(next, before) => void log.push(`callback ${next.id} after ${before?.id}`)], previous),
      ordered,
      new Set([first, second]),
      vault,
    );
    expect(log).toEqual([
      'onLoad first',
      'onLoad second',
      'onInit first new vault',
      'onInit carried new vault',
      'onInit second new vault',
      'callback 5 after 4',
    ]);
    expect([first.loadOrder, second.loadOrder, carried.loadOrder]).toEqual([0, 1, undefined]);
    expect(generation.id).toBe(5);
    expect(generation.vault).toBe(vault);
    expect(generation.versions).toEqual(ordered);
  });

  it('fills the vault with exactly the live functions and types of the generation, calls counted in their version', async () => {
    const vault = new Vault(undefined, {});
    const a = makeVersion('a');
    class LiveThing {}
    let finish: () => void = () => {};
    a.live = { liveWait: () => new Promise<void>((r) => (finish = r)), LiveThing };
    await activate(input(), [a], new Set([a]), vault);
    expect([...vault.liveFuncs.keys()]).toEqual(['liveWait']);
    expect(vault.liveTypes.get('LiveThing')).toBe(LiveThing);
    const pending = vault.liveFuncs.get('liveWait')?.();
    expect(a.inflight).toBe(1);
    finish();
    await pending;
    expect(a.inflight).toBe(0);
  });

  it('refuses a live name defined by two plugins', async () => {
    const a = makeVersion('a');
    const b = makeVersion('b');
    a.live = { liveF: () => 1 };
    b.live = { liveF: () => 2 };
    const error = await failure(activate(input(), [a, b], new Set([a, b]), new Vault(undefined, {})));
    expect(error).toMatchObject({ code: ErrorCodes.LIVE_COLLISION, plugin: 'b', stage: 'vault' });
  });

  it('stops at the first OnLoad that throws; later versions get no OnLoad and no loadOrder', async () => {
    const log: string[] = [];
    const a = makeVersion('a', { onLoad: () => void log.push('a') });
    const b = makeVersion('b', {
      onLoad: () => {
        throw new Error('b broke');
      },
    });
    const c = makeVersion('c', { onLoad: () => void log.push('c') });
    const error = await failure(activate(input(), [a, b, c], new Set([a, b, c]), new Vault(undefined, {})));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'b', stage: 'onLoad' });
    expect(log).toEqual(['a']);
    expect([a.loadOrder, b.loadOrder, c.loadOrder]).toEqual([0, 1, undefined]);
  });

  it('fails with RELOAD_VETOED, RELOAD_CALLBACK_FAILED and RELOAD_CALLBACK_TIMEOUT from the callbacks', async () => {
    const run = (callback: ReloadCallback<HostTypes>) => {
      const v = makeVersion('p');
      return failure(activate(input([callback], undefined, 30), [v], new Set([v]), new Vault(undefined, {})));
    };
    expect(await run(() => false)).toMatchObject({ code: ErrorCodes.RELOAD_VETOED, stage: 'callback' });
    expect(await run(() => Promise.resolve(false))).toMatchObject({ code: ErrorCodes.RELOAD_VETOED });
    const thrown = await run(() => {
      throw new Error('no thanks');
    });
    expect(thrown).toMatchObject({ code: ErrorCodes.RELOAD_CALLBACK_FAILED, stage: 'callback' });
    expect(thrown.message).toContain('a reload callback threw: no thanks');
    expect(await run(() => new Promise(() => {}))).toMatchObject({ code: ErrorCodes.RELOAD_CALLBACK_TIMEOUT, stage: 'callback' });
  });

  it('runs every callback in order, and a callback returning true or nothing lets the reload through', async () => {
    const log: string[] = [];
    const v: PluginVersion = makeVersion('p');
    await activate(
      input([() => void log.push('one'), () => (log.push('two'), Promise.resolve(true))]),
      [v],
      new Set([v]),
      new Vault(undefined, {}),
    );
    expect(log).toEqual(['one', 'two']);
  });
});
