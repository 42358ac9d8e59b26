// runBounded on its own: results and errors pass through, an endless loop is interrupted, nesting works.
import { describe, expect, it } from 'vitest';
import { runBounded, TimedOut } from '../src/loader/bounded.js';

const endless = (): never => {
  for (;;) {
    // Endless.
  }
};

describe('runBounded', () => {
  it('returns what the function returns', () => {
    expect(runBounded(() => 42, 1_000)).toBe(42);
    expect(runBounded(() => 'unbounded', false)).toBe('unbounded');
  });

  it('passes what the function throws through unchanged, any value at all', () => {
    const error = new Error('mine');
    expect(() => runBounded(() => { throw error; }, 1_000)).toThrow(error);
    let caught: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a non-Error must pass through unchanged too
      runBounded(() => { throw 'a string'; }, 1_000);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe('a string');
  });

  it('interrupts an endless loop with TimedOut, and the event loop runs on', async () => {
    let caught: unknown;
    try {
      runBounded(endless, 30);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TimedOut);
    expect((caught as TimedOut).timeoutMs).toBe(30);
    expect((caught as Error).message).toBe('synchronous code ran for more than 30 ms');
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(runBounded(() => 'after', 1_000)).toBe('after');
  });

  it('runs bounded runs inside each other, each returning to its own caller', () => {
    const outer = runBounded(() => {
      const inner = runBounded(() => 'inner', 1_000);
      let interrupted = false;
      try {
        runBounded(endless, 20);
      } catch (e) {
        interrupted = e instanceof TimedOut;
      }
      return `${inner} ${interrupted ? 'interrupted' : 'not interrupted'}`;
    }, 5_000);
    expect(outer).toBe('inner interrupted');
  });

  it('takes a fractional limit', () => {
    expect(() => runBounded(endless, 0.5)).toThrow(TimedOut);
  });
});
