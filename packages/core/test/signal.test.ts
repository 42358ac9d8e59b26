// A version's guarded abort signal: no listener a plugin adds can crash the host, and each failure is reported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TeardownStage } from '../src/version/version.js';
import { makeVersion, sleep, tick } from './helpers/versions.js';

// Nothing a listener does may reach the process: record what would, for the duration of each test.
let escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeEach(() => {
  escaped = [];
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterEach(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

function guarded(): { version: ReturnType<typeof makeVersion>; reported: Array<[TeardownStage, unknown]> } {
  const reported: Array<[TeardownStage, unknown]> = [];
  const version = makeVersion('p', {}, { onTeardownFailure: (_, stage, error) => reported.push([stage, error]) });
  return { version, reported };
}

/** Lets Node run what it defers: its nextTick rethrow of a listener's error, and promise rejections. */
async function settle(): Promise<void> {
  await tick();
  await sleep(5);
  await tick();
}

describe('guarded abort signal', () => {
  it('reports a throwing listener, a throwing onabort, a throwing handleEvent and a rejecting async listener; the others still run', async () => {
    const { version, reported } = guarded();
    const ran: string[] = [];
    const signal = version.signal;
    const thrown: [Error, Error, Error, Error] = [new Error('listener'), new Error('onabort'), new Error('handleEvent'), new Error('async')];
    signal.addEventListener('abort', () => {
      ran.push('listener');
      throw thrown[0];
    });
    signal.onabort = () => {
      ran.push('onabort');
      throw thrown[1];
    };
    signal.addEventListener('abort', {
      handleEvent(event: Event) {
        ran.push(`handleEvent ${event.type} ${this === undefined ? 'unbound' : 'bound'}`);
        throw thrown[2];
      },
    });
    // Returns a rejected promise where a listener's type says void: the signal must report that rejection.
    signal.addEventListener('abort', (): unknown => {
      ran.push('async');
      return Promise.reject(thrown[3]);
    });
    signal.addEventListener('abort', () => ran.push('last'));
    version.abort('retired');
    await settle();
    expect(ran).toEqual(['listener', 'onabort', 'handleEvent abort bound', 'async', 'last']);
    expect(reported).toEqual(thrown.map((error) => ['abort', error]));
    expect(escaped).toEqual([]);
  });

  it('passes the listener its event with the signal as `this`, once', async () => {
    const { version, reported } = guarded();
    const seen: unknown[] = [];
    version.signal.addEventListener(
      'abort',
      function (this: unknown, event: Event) {
        seen.push(this, event.type);
      },
      { once: true },
    );
    version.abort('once');
    version.abort('twice');
    await settle();
    expect(seen).toEqual([version.signal, 'abort']);
    expect(reported).toEqual([]);
  });

  it('removes a listener that was added, though what was added is its guarded wrapper', () => {
    const { version } = guarded();
    const ran: string[] = [];
    const listener = (): void => void ran.push('removed one ran');
    const object = { handleEvent: () => void ran.push('removed object ran') };
    version.signal.addEventListener('abort', listener);
    version.signal.addEventListener('abort', object);
    version.signal.addEventListener('abort', () => ran.push('kept'));
    version.signal.removeEventListener('abort', listener);
    version.signal.removeEventListener('abort', object);
    version.abort('x');
    expect(ran).toEqual(['kept']);
  });

  it('replaces onabort and clears it with null', () => {
    const { version } = guarded();
    const ran: string[] = [];
    const first = (): void => void ran.push('first');
    version.signal.onabort = first;
    expect(version.signal.onabort).toBe(first);
    version.signal.onabort = () => ran.push('second');
    version.abort('x');
    expect(ran).toEqual(['second']);
    const other = guarded().version;
    other.signal.onabort = first;
    other.signal.onabort = null;
    expect(other.signal.onabort).toBeNull();
    other.abort('x');
    expect(ran).toEqual(['second']);
  });

  it('keeps a listener added with addEventListener when the same function is set as onabort and then cleared', () => {
    const { version } = guarded();
    let runs = 0;
    const listener = (): void => void runs++;
    version.signal.addEventListener('abort', listener);
    version.signal.onabort = listener;
    version.signal.onabort = null;
    version.abort('x');
    // As on a plain AbortSignal: onabort is a handler of its own, apart from the listeners added.
    expect(runs).toBe(1);
  });

  it('says whether aborting may run plugin code: not until the plugin takes its signal', () => {
    const { version } = guarded();
    expect(version.mayRunOnAbort).toBe(false);
    const other: string[] = [];
    version.signal.addEventListener('custom', (e) => other.push(e.type));
    version.signal.dispatchEvent(new Event('custom'));
    expect(other).toEqual(['custom']);
    // Taken: a signal derived from it with AbortSignal.any may carry listeners no count of ours sees.
    expect(version.mayRunOnAbort).toBe(true);
  });

  it('reports what a listener of a signal derived with AbortSignal.any throws, instead of letting Node rethrow it', async () => {
    const { version, reported } = guarded();
    const derived = AbortSignal.any([version.signal, AbortSignal.timeout(60_000)]);
    derived.addEventListener('abort', () => {
      throw new Error('derived listener broke');
    });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      version.abort('retired');
      await settle();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(derived.aborted).toBe(true);
    expect(uncaught).toEqual([]);
    expect(reported.map(([stage, error]) => `${stage} ${(error as Error).message}`)).toEqual(['abort derived listener broke']);
    // The capture is given back: the host's own uncaught exceptions are its own again.
    expect(process.hasUncaughtExceptionCaptureCallback()).toBe(false);
  });

  it('swallows a failing reporter too', async () => {
    const version = makeVersion('p', {}, {
      onTeardownFailure: () => {
        throw new Error('reporter broke');
      },
    });
    version.signal.addEventListener('abort', () => {
      throw new Error('listener');
    });
    expect(() => version.abort('x')).not.toThrow();
    await settle();
    expect(escaped).toEqual([]);
  });
});
