// The HookRunner on its own: results, failures, time limits, batching of synchronous hooks, isolation, hostile values.
import { ErrorCodes, HotswapError, isHotswapError } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import type { HookTarget } from '../src/hooks.js';
import { recordingRunner, tick } from './helpers/versions.js';

const target = (name: string): HookTarget => ({ name, version: '1.0.0', timings: {} });

async function failure(promise: Promise<unknown>): Promise<HotswapError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HotswapError) return error;
    throw new Error(`expected a HotswapError, got ${String(error)}`);
  }
  throw new Error('expected the hook to fail');
}

/** Runs synchronously for `ms` milliseconds without yielding. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose.
  }
}

describe('HookRunner.run', () => {
  it('returns what a synchronous hook returns and what an async hook resolves to, and reports each', async () => {
    const { runner, events } = recordingRunner();
    const p = target('p');
    expect(await runner.run(p, 'onLoad', () => 7)).toBe(7);
    expect(await runner.run(p, 'onInit', () => Promise.resolve('later'))).toBe('later');
    expect(events.map((e) => [e.plugin, e.version, e.stage, e.ok])).toEqual([
      ['p', '1.0.0', 'onLoad', true],
      ['p', '1.0.0', 'onInit', true],
    ]);
    expect(Object.keys(p.timings).sort()).toEqual(['onInit', 'onLoad']);
  });

  it('turns a throwing hook into HOOK_FAILED naming the plugin and the stage, with the cause', async () => {
    const { runner, events } = recordingRunner();
    const cause = new Error('no database');
    const error = await failure(runner.run(target('db'), 'onLoad', () => {
      throw cause;
    }));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'db', stage: 'onLoad', cause });
    expect(error.message).toMatch(/^plugin "db": onLoad failed: no database/);
    expect(events.map((e) => e.ok)).toEqual([false]);
  });

  it('turns a rejecting async hook into HOOK_FAILED', async () => {
    const { runner } = recordingRunner();
    const error = await failure(runner.run(target('db'), 'onInit', () => Promise.reject(new Error('late failure'))));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'db', stage: 'onInit' });
    expect(error.message).toContain('late failure');
  });

  it('gives HOOK_TIMEOUT for a hook that never settles', async () => {
    const { runner, events } = recordingRunner({ timeoutMs: 30 });
    const error = await failure(runner.run(target('slow'), 'onLoad', () => new Promise<void>(() => {})));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_TIMEOUT, plugin: 'slow', stage: 'onLoad' });
    expect(error.message).toContain('did not finish within 30 ms');
    expect(events.map((e) => e.ok)).toEqual([false]);
  });

  it('interrupts a synchronous endless loop with HOOK_TIMEOUT, and the event loop runs on', async () => {
    const { runner } = recordingRunner({ timeoutMs: 50 });
    const error = await failure(runner.run(target('loop'), 'onInit', () => {
      for (;;) {
        // An endless loop, as a buggy plugin would have.
      }
    }));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_TIMEOUT, plugin: 'loop', stage: 'onInit' });
    await new Promise((resolve) => setTimeout(resolve, 1));
    await tick();
    expect(await runner.run(target('next'), 'onInit', () => 'still works')).toBe('still works');
  });

  it('does not interrupt synchronous code when boundSync is false', async () => {
    const { runner } = recordingRunner({ timeoutMs: 10, boundSync: false });
    expect(runner.syncLimit).toBe(false);
    expect(await runner.run(target('busy'), 'onLoad', () => {
      spin(40);
      return 'finished';
    })).toBe('finished');
    // The same hook is interrupted when synchronous code is bounded.
    const bounded = recordingRunner({ timeoutMs: 10 }).runner;
    expect(bounded.syncLimit).toBe(10);
    const error = await failure(bounded.run(target('busy'), 'onLoad', () => spin(40)));
    expect(error.code).toBe(ErrorCodes.HOOK_TIMEOUT);
  });

  describe('hostile thrown values', () => {
    const hostile = (): object =>
      new Proxy(
        {},
        new Proxy({}, {
          get: () => () => {
            throw new Error('trap');
          },
        }),
      );
    const lyingError = (): Error => {
      const e = new Error('x');
      Object.defineProperty(e, 'message', {
        get() {
          throw new Error('message getter');
        },
      });
      return e;
    };

    it.each([
      ['a Proxy whose every trap throws', hostile],
      ['an Error whose message getter throws', lyingError],
    ])('still gives a HotswapError for %s, thrown or rejected', async (_, make) => {
      const { runner } = recordingRunner();
      const thrown = await failure(runner.run(target('evil'), 'onLoad', () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a hostile value that may be no Error is the point
        throw make();
      }));
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a hostile value that may be no Error is the point
      const rejected = await failure(runner.run(target('evil'), 'onLoad', () => Promise.reject(make())));
      for (const error of [thrown, rejected]) {
        expect(isHotswapError(error)).toBe(true);
        expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'evil', stage: 'onLoad' });
        expect(error.message).toMatch(/^plugin "evil": onLoad failed: /);
      }
    });

    it('gives a HotswapError for a hook that returns a Proxy whose every trap throws', async () => {
      const { runner } = recordingRunner();
      const error = await failure(runner.run(target('evil'), 'onLoad', () => hostile()));
      expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'evil', stage: 'onLoad' });
    });
  });
});

describe('HookRunner.stage', () => {
  it('runs 200 synchronous hooks in one synchronous run and reports 200 events in order', async () => {
    const { runner, events } = recordingRunner();
    const targets = Array.from({ length: 200 }, (_, i) => target(`p${String(i).padStart(3, '0')}`));
    const log: string[] = [];
    const results: unknown[] = [];
    await runner.stage(
      targets,
      'onInit',
      (t) => () => {
        // A microtask queued by the first hook runs only after the last hook: no await between synchronous hooks.
        if (t === targets[0]) queueMicrotask(() => log.push('microtask'));
        log.push(t.name);
        return t.name.toUpperCase();
      },
      (_, result) => results.push(result),
    );
    expect(log).toEqual([...targets.map((t) => t.name), 'microtask']);
    expect(events.map((e) => e.plugin)).toEqual(targets.map((t) => t.name));
    expect(events.every((e) => e.ok && e.stage === 'onInit')).toBe(true);
    expect(results).toEqual(targets.map((t) => t.name.toUpperCase()));
  });

  it('runs hooks one after the other, each after the previous one settled, and skips targets without one', async () => {
    const { runner, events } = recordingRunner();
    const log: string[] = [];
    await runner.stage([target('a'), target('b'), target('c'), target('d')], 'onLoad', (t) => {
      if (t.name === 'c') return undefined;
      return t.name === 'a'
        ? async () => {
            await tick();
            log.push('a settled');
          }
        : () => void log.push(`${t.name} ran`);
    });
    expect(log).toEqual(['a settled', 'b ran', 'd ran']);
    expect(events.map((e) => e.plugin)).toEqual(['a', 'b', 'd']);
  });

  it('stops at the first failure unless isolated', async () => {
    const { runner, events } = recordingRunner();
    const ran: string[] = [];
    const pick = (t: HookTarget) => () => {
      ran.push(t.name);
      if (t.name === 'b') throw new Error('b broke');
    };
    const error = await failure(runner.stage([target('a'), target('b'), target('c')], 'onFree', pick));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'b', stage: 'onFree' });
    expect(ran).toEqual(['a', 'b']);
    expect(events.map((e) => `${e.plugin}:${e.ok}`)).toEqual(['a:true', 'b:false']);
  });

  it('goes on after each failure in isolate mode, reporting each failed target', async () => {
    const { runner, events } = recordingRunner({ timeoutMs: 40 });
    const failed: Array<[string, string]> = [];
    const done: string[] = [];
    const hooks: Record<string, () => unknown> = {
      throws: () => {
        throw new Error('sync');
      },
      ok1: () => 1,
      rejects: () => Promise.reject(new Error('async')),
      hangs: () => new Promise(() => {}),
      loops: () => {
        for (;;) {
          // Endless.
        }
      },
      ok2: () => Promise.resolve(2),
    };
    await runner.stage(
      Object.keys(hooks).map(target),
      'onFree',
      (t) => hooks[t.name],
      (t) => done.push(t.name),
      undefined,
      (t, error) => failed.push([t.name, error.code]),
    );
    expect(failed).toEqual([
      ['throws', ErrorCodes.HOOK_FAILED],
      ['rejects', ErrorCodes.HOOK_FAILED],
      ['hangs', ErrorCodes.HOOK_TIMEOUT],
      ['loops', ErrorCodes.HOOK_TIMEOUT],
    ]);
    expect(done).toEqual(['ok1', 'ok2']);
    expect(events.map((e) => `${e.plugin}:${e.ok}`)).toEqual(['throws:false', 'ok1:true', 'rejects:false', 'hangs:false', 'loops:false', 'ok2:true']);
  });

  it('describes failures with the stage errors given, and reports no event for an unnamed target', async () => {
    const { runner, events } = recordingRunner({ timeoutMs: 20 });
    const errors = {
      failed: (_: HookTarget, cause: unknown) => new HotswapError(ErrorCodes.HOOK_FAILED, `custom: ${String(cause)}`),
      timeout: (_: HookTarget, ms: number) => new HotswapError(ErrorCodes.RELOAD_CALLBACK_TIMEOUT, `custom timeout ${ms}`),
    };
    const unnamed = target('');
    const failed = await failure(runner.stage([unnamed], 'callback', () => () => Promise.reject(new Error('no')), undefined, errors));
    expect(failed).toMatchObject({ code: ErrorCodes.HOOK_FAILED, message: 'custom: Error: no' });
    const late = await failure(runner.stage([unnamed], 'callback', () => () => new Promise(() => {}), undefined, errors));
    expect(late).toMatchObject({ code: ErrorCodes.RELOAD_CALLBACK_TIMEOUT, message: 'custom timeout 20' });
    expect(events).toEqual([]);
    expect(Object.keys(unnamed.timings)).toEqual(['callback']);
  });

  // Hooks share one bounded run; one that starts late in it still gets its whole limit before the watchdog stops it.
  it('gives a synchronous hook that starts late in a shared run its whole limit', async () => {
    const { runner, events } = recordingRunner({ timeoutMs: 400 });
    const ran: string[] = [];
    await runner.stage([target('a'), target('b')], 'onLoad', (t) => () => {
      spin(t.name === 'a' ? 80 : 340);
      ran.push(t.name);
    });
    expect(ran).toEqual(['a', 'b']);
    expect(events.map((e) => `${e.plugin}:${e.ok}`)).toEqual(['a:true', 'b:true']);
  });

  it('fails a synchronous hook that returns after its limit with HOOK_TIMEOUT, though the watchdog did not stop it', async () => {
    const { runner } = recordingRunner({ timeoutMs: 100 });
    const error = await failure(runner.stage([target('a')], 'onInit', () => () => spin(115)));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_TIMEOUT, plugin: 'a', stage: 'onInit' });
    expect(error.message).toContain('within 100 ms');
  });

  // The watchdog of a bounded run may fire late on a busy machine, after the hook that ran over has returned.
  // A slow `done` makes the time run out at that very point, every time.
  it('gives HOOK_TIMEOUT, not a bare interruption, when the time runs out just after a hook returned', async () => {
    const { runner } = recordingRunner({ timeoutMs: 20 });
    const error = await failure(runner.stage([target('a'), target('b')], 'onInit', () => () => 'ok', () => spin(60)));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_TIMEOUT, plugin: 'a', stage: 'onInit' });
    const failed: string[] = [];
    await runner.stage([target('a'), target('b')], 'onFree', () => () => 'ok', (t) => t.name === 'a' && spin(60), undefined, (t, e) => failed.push(`${t.name}:${e.code}`));
    expect(failed).toEqual([`a:${ErrorCodes.HOOK_TIMEOUT}`]);
  });

  // Describing a failure maps its stack to the plugin's source, which can be slow the first time: it must not count against the hook.
  it('describes a hook that threw outside its time limit, so a slow description is no timeout', async () => {
    const { runner, events } = recordingRunner({ timeoutMs: 20 });
    const errors = {
      failed: (t: HookTarget, cause: unknown) => {
        spin(60);
        return new HotswapError(ErrorCodes.HOOK_FAILED, `plugin "${t.name}": ${String(cause)}`, { plugin: t.name });
      },
      timeout: (t: HookTarget) => new HotswapError(ErrorCodes.HOOK_TIMEOUT, `plugin "${t.name}" timed out`, { plugin: t.name, stage: 'onInit', timeoutMs: 20 }),
    };
    const error = await failure(runner.stage([target('a')], 'onLoad', () => () => {
      throw new Error('broke');
    }, undefined, errors));
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'a', message: 'plugin "a": Error: broke' });
    expect(events.map((e) => `${e.plugin}:${e.ok}`)).toEqual(['a:false']);
  });
});
