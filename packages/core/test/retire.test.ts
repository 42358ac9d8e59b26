// Retirement on its own: abort at once, drain, free delay, maxFreeWait, OnFree order and isolation, hurry and settled.
import { ErrorCodes, type HotswapError } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { Retirement, type RetireListener } from '../src/retire.js';
import type { PluginDefinition } from '../src/plugin.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion, recordingRunner, sleep, tick } from './helpers/versions.js';

interface Setup {
  retirement: Retirement;
  log: string[];
  failures: HotswapError[];
}

function setup(): Setup {
  const log: string[] = [];
  const failures: HotswapError[] = [];
  const listener: RetireListener = {
    retired: (v) => log.push(`retired ${v.name}`),
    drained: (v) => log.push(`drained ${v.name}`),
    stuck: (v, inflight) => log.push(`stuck ${v.name} ${inflight}`),
    freeFailed: (v, error) => {
      log.push(`free failed ${v.name}`);
      failures.push(error);
    },
    freed: (v) => log.push(`freed ${v.name}`),
  };
  return { retirement: new Retirement(recordingRunner({ timeoutMs: 200 }).runner, listener), log, failures };
}

function serving(name: string, log: string[], definition: PluginDefinition = {}): PluginVersion {
  const version = makeVersion(name, { onFree: () => void log.push(`onFree ${name}`), ...definition });
  version.serve();
  return version;
}

const quick = { freeDelay: 0, maxFreeWait: 5_000 };

describe('Retirement', () => {
  it('aborts every signal and moves each version to retiring at once, before anything is awaited', () => {
    const { retirement, log } = setup();
    const a = serving('a', log);
    const b = serving('b', log);
    a.signal.addEventListener('abort', () => log.push('a aborted'));
    retirement.retire([a, b], quick);
    expect(log).toEqual(['a aborted', 'retired a', 'retired b']);
    expect([a.state, b.state]).toEqual(['retiring', 'retiring']);
    expect(b.signal.aborted).toBe(true);
  });

  it('runs OnFree once each, in reverse dependency order, then frees every version', async () => {
    const { retirement, log } = setup();
    const versions = ['a', 'b', 'c'].map((n) => serving(n, log));
    retirement.retire(versions, quick);
    await retirement.settled();
    expect(log.filter((l) => !l.startsWith('retired') && !l.startsWith('drained'))).toEqual([
      'onFree c',
      'onFree b',
      'onFree a',
      'freed a',
      'freed b',
      'freed c',
    ]);
    expect(versions.map((v) => v.state)).toEqual(['freed', 'freed', 'freed']);
    expect(thrown(() => versions[0]!.invoke('anything')).code).toBe(ErrorCodes.VERSION_FREED);
  });

  it('waits for calls in flight to drain before OnFree', async () => {
    const { retirement, log } = setup();
    const v = serving('busy', log);
    const release = v.hold();
    retirement.retire([v], quick);
    for (let i = 0; i < 5; i++) await tick();
    expect(log).toEqual(['retired busy']);
    release();
    await retirement.settled();
    expect(log).toEqual(['retired busy', 'drained busy', 'onFree busy', 'freed busy']);
  });

  it('runs onRetire teardowns right after the abort, before the calls drain and before OnFree', async () => {
    const { retirement, log } = setup();
    const v = serving('p', log);
    v.context.onRetire(() => log.push('teardown'));
    const release = v.hold();
    retirement.retire([v], quick);
    for (let i = 0; i < 5; i++) await tick();
    expect(log).toEqual(['retired p', 'teardown']);
    release();
    await retirement.settled();
    expect(log).toEqual(['retired p', 'teardown', 'drained p', 'onFree p', 'freed p']);
  });

  it('waits for the free delay even once drained, and hurry() ends it at once', async () => {
    const { retirement, log } = setup();
    const v = serving('p', log);
    retirement.retire([v], { freeDelay: 60_000, maxFreeWait: 120_000 });
    for (let i = 0; i < 5; i++) await tick();
    expect(log).toEqual(['retired p', 'drained p']);
    retirement.hurry();
    await retirement.settled();
    expect(log).toEqual(['retired p', 'drained p', 'onFree p', 'freed p']);
    // Once hurried, later retirements do not wait for their delay either.
    const w = serving('w', log);
    retirement.retire([w], { freeDelay: 60_000, maxFreeWait: 120_000 });
    await retirement.settled();
    expect(w.state).toBe('freed');
  });

  it('runs OnFree anyway once maxFreeWait runs out, reporting the version as stuck with its calls in flight', async () => {
    const { retirement, log } = setup();
    const v = serving('stuck', log);
    const releases = [v.hold(), v.hold()];
    retirement.retire([v], { freeDelay: 0, maxFreeWait: 20 });
    await retirement.settled();
    expect(log).toEqual(['retired stuck', 'stuck stuck 2', 'onFree stuck', 'freed stuck']);
    for (const release of releases) release();
  });

  it('reports a throwing or rejecting OnFree and still frees the rest', async () => {
    const { retirement, log, failures } = setup();
    const a = serving('a', log);
    const b = serving('b', log, {
      onFree: () => {
        throw new Error('b cannot free');
      },
    });
    const c = serving('c', log, { onFree: () => Promise.reject(new Error('c cannot free')) });
    retirement.retire([a, b, c], quick);
    await retirement.settled();
    expect(log.filter((l) => !l.startsWith('retired') && !l.startsWith('drained'))).toEqual([
      'free failed c',
      'free failed b',
      'onFree a',
      'freed a',
      'freed b',
      'freed c',
    ]);
    expect(failures.map((e) => [e.code, e.plugin, e.stage])).toEqual([
      [ErrorCodes.HOOK_FAILED, 'c', 'onFree'],
      [ErrorCodes.HOOK_FAILED, 'b', 'onFree'],
    ]);
    expect(failures[1]!.message).toContain('b cannot free');
  });

  it('settles at once with nothing retiring, and only after every batch otherwise', async () => {
    const { retirement, log } = setup();
    await retirement.settled();
    retirement.retire([], quick);
    await retirement.settled();
    const first = serving('first', log);
    const second = serving('second', log);
    const release = second.hold();
    retirement.retire([first], quick);
    retirement.retire([second], quick);
    let settled = false;
    const done = retirement.settled().then(() => (settled = true));
    await sleep(10);
    expect(first.state).toBe('freed');
    expect(settled).toBe(false);
    release();
    await done;
    expect(second.state).toBe('freed');
  });
});
