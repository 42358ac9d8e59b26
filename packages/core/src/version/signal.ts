/** Where a guarded signal reports a listener that threw. */
export type ListenerFailure = (error: unknown) => void;

type Listener = ((event: Event) => unknown) | { handleEvent(event: Event): unknown };
type Guarded = (event: Event) => void;
type AddOptions = Parameters<AbortSignal['addEventListener']>[2];
type RemoveOptions = Parameters<AbortSignal['removeEventListener']>[2];

/**
 * Makes every `abort` listener of `signal` run contained: one that throws
 * (or returns a rejected promise) is reported to `report` instead of being
 * rethrown by Node on `process.nextTick`, which would kill the host. Covers
 * `addEventListener`, `removeEventListener` and `onabort` on this instance;
 * for the listeners of signals derived from it, see {@link abortContained}.
 */
export function guardSignal(signal: AbortSignal, report: ListenerFailure): void {
  const wrapped = new WeakMap<Listener, Guarded>();
  const add = (type: string, listener: Listener, options?: AddOptions): void =>
    EventTarget.prototype.addEventListener.call(signal, type, listener as Guarded, options);
  const remove = (type: string, listener: Listener | Guarded, options?: RemoveOptions): void =>
    EventTarget.prototype.removeEventListener.call(signal, type, listener as Guarded, options);
  const guard = (listener: Listener): Guarded =>
    function (this: unknown, event: Event): void {
      try {
        const result: unknown = typeof listener === 'function' ? listener.call(this, event) : listener.handleEvent(event);
        if (isThenable(result)) result.then(undefined, report);
      } catch (error) {
        report(error);
      }
    };
  const wrap = (listener: Listener): Guarded => {
    let safe = wrapped.get(listener);
    if (safe === undefined) {
      safe = guard(listener);
      wrapped.set(listener, safe);
    }
    return safe;
  };
  Object.defineProperties(signal, {
    addEventListener: {
      value(type: string, listener: Listener | null, options?: AddOptions): void {
        if (listener === null) return;
        add(type, type === 'abort' ? wrap(listener) : listener, options);
      },
    },
    removeEventListener: {
      value(type: string, listener: Listener | null, options?: RemoveOptions): void {
        if (listener === null) return;
        remove(type, type === 'abort' ? (wrapped.get(listener) ?? listener) : listener, options);
      },
    },
  });
  let handler: ((this: AbortSignal, event: Event) => unknown) | null = null;
  // A wrapper of its own, not the one addEventListener shares: onabort is a handler apart from the listeners added.
  let guardedHandler: Guarded | null = null;
  Object.defineProperty(signal, 'onabort', {
    get: () => handler,
    set(value: unknown) {
      if (guardedHandler !== null) remove('abort', guardedHandler);
      handler = typeof value === 'function' ? (value as (this: AbortSignal, event: Event) => unknown) : null;
      guardedHandler = handler === null ? null : guard(handler);
      if (guardedHandler !== null) add('abort', guardedHandler);
    },
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

/** Where the listeners' errors of the abort running now go (see {@link abortContained}). */
let capturing: ListenerFailure | undefined;

/**
 * Aborts `controller`, reporting what the listeners Node runs outside the
 * guard throw: those of signals derived from this one with
 * `AbortSignal.any`, whose errors Node rethrows on `process.nextTick`. For
 * exactly the ticks queued during the abort, an uncaught exception goes to
 * `report` (Node's capture callback, unless the host has one of its own);
 * a tick before or after it is untouched.
 */
export function abortContained(controller: AbortController, reason: Error, report: ListenerFailure): void {
  if (process.hasUncaughtExceptionCaptureCallback()) {
    controller.abort(reason);
    return;
  }
  process.nextTick(arm, report);
  try {
    controller.abort(reason);
  } finally {
    process.nextTick(disarm, report);
  }
}

function arm(report: ListenerFailure): void {
  if (process.hasUncaughtExceptionCaptureCallback()) return;
  capturing = report;
  process.setUncaughtExceptionCaptureCallback(captured);
}

function disarm(report: ListenerFailure): void {
  if (capturing !== report) return;
  capturing = undefined;
  process.setUncaughtExceptionCaptureCallback(null);
}

function captured(error: unknown): void {
  capturing?.(error);
}
