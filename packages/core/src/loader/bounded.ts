import { Script } from 'node:vm';

// V8 can interrupt only code run by a vm script with a `timeout`, but that
// covers every function the script calls, wherever it was compiled: the
// script below calls whatever the slot holds. Each bounded run starts a
// watchdog thread (0.015–0.2 ms, more on a busy machine), so callers bound a batch of work, not
// each call.
const SLOT = Symbol.for('hotswap.bounded');
const script = new Script('globalThis[Symbol.for("hotswap.bounded")]()', { filename: 'hotswap:bounded' });
const slots: Array<() => unknown> = [];

(globalThis as unknown as Record<symbol, () => unknown>)[SLOT] = () => slots[slots.length - 1]!();

/** What a bounded run throws when its time ran out (Node's `ERR_SCRIPT_EXECUTION_TIMEOUT`). */
export class TimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`synchronous code ran for more than ${timeoutMs} ms`);
  }
}

/**
 * Pieces of plugin code that share one bounded run (hooks of many plugins,
 * their top levels, abort listeners, state handoffs) each get their own
 * limit. A shared run starts no piece once this share of the limit has
 * passed (the next piece opens a fresh run), and its watchdog is set to
 * {@link sharedLimit}: a piece started at the last moment can still run its
 * full limit before the watchdog stops it, so the watchdog never stops a
 * piece that ran less than its limit, and never blames one that did not.
 */
export const START_SHARE = 0.25;

/** The watchdog of a shared run whose pieces are each limited to `limit`. */
export function sharedLimit(limit: number | false): number | false {
  return limit === false ? false : limit * (1 + START_SHARE);
}

/**
 * Throws {@link TimedOut} when a piece that returned ran longer than its
 * `limit` (started at `started`, a `performance.now()` time): a shared run's
 * watchdog lets it go on a little past its limit, not succeed past it.
 */
export function endPiece(started: number, limit: number | false): void {
  if (limit !== false && performance.now() - started > limit) throw new TimedOut(limit);
}

/**
 * Runs `fn` synchronously, interrupting it once it has run `timeoutMs`
 * (an endless loop included) by throwing {@link TimedOut}. What `fn` throws
 * comes out unchanged. `timeoutMs` of `false` runs `fn` unbounded.
 */
export function runBounded<R>(fn: () => R, timeoutMs: number | false): R {
  if (timeoutMs === false) return fn();
  slots.push(fn);
  try {
    return script.runInThisContext({ timeout: Math.max(1, Math.ceil(timeoutMs)), breakOnSigint: false }) as R;
  } catch (error) {
    if (isTimeout(error)) throw new TimedOut(timeoutMs);
    throw error;
  } finally {
    slots.pop();
  }
}

function isTimeout(error: unknown): boolean {
  // Only Node's own error can carry this code here: plugin errors are caught inside the bounded function.
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}
