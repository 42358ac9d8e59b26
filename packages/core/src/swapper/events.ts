import { EventEmitter } from 'eventemitter3';
import { describe, type HotswapError } from '../errors.js';
import type { Generation } from '../generation.js';
import type { HookEvent } from '../hooks.js';
import type { LeakEvent } from '../census.js';
import type { Logger } from '../logger.js';
import type { HostTypes } from '../plugin.js';
import type { ReloadDetails } from '../reload/details.js';
import type { VersionEvent } from '../retire.js';
import type { CanaryStatus } from '../canary/run.js';

/** A piece of a version's teardown that failed: an abort listener, an onRetire teardown, or OnFree during a rollback. */
export interface TeardownFailureEvent extends VersionEvent {
  stage: 'abort' | 'onRetire' | 'onFree';
  error: HotswapError;
}

/** The events a swapper emits, with their payloads. */
export interface SwapperEvents<T extends HostTypes = HostTypes> {
  /** A load or reload began. */
  'reload:start': (info: { generation: number }) => void;
  /** A load or reload swapped in a new generation. */
  'reload:success': (details: ReloadDetails, generation: Generation<T>) => void;
  /** A load or reload failed; the current generation keeps serving. */
  'reload:failure': (error: HotswapError) => void;
  /** A canary reload began serving its share of the work. */
  'canary:start': (status: CanaryStatus) => void;
  /** A canary was promoted or rolled back (`status.state`, `status.decidedBy`, `status.verdict`). */
  'canary:end': (status: CanaryStatus) => void;
  /** A lifecycle hook of a version finished, or failed. */
  hook: (event: HookEvent) => void;
  /** A new version was swapped in and serves. */
  'version:load': (event: VersionEvent) => void;
  /** A version was swapped out: its signal is aborted and its calls drain. */
  'version:retire': (event: VersionEvent) => void;
  /** A retired version has no call in flight any more. */
  'version:drain': (event: VersionEvent) => void;
  /** A retired version's OnFree has run. */
  'version:free': (event: VersionEvent) => void;
  /** A retired version still had calls running when `maxFreeWait` ran out; OnFree runs anyway. */
  'version:stuck': (event: VersionEvent & { inflight: number }) => void;
  /** A retired version's OnFree threw, rejected or ran past the time limit. */
  'version:free-failure': (event: VersionEvent & { error: unknown }) => void;
  /** An abort listener, an onRetire teardown or (in a rollback) an OnFree failed; the host carries on. */
  'version:teardown-failure': (event: TeardownFailureEvent) => void;
  /** A freed version was garbage-collected: its memory is back. */
  'version:collect': (event: VersionEvent) => void;
  /** A freed version was still alive `leakTimeout` after its OnFree: something pins it. */
  'version:leak': (event: LeakEvent) => void;
}

type Listener = (...args: never[]) => void;

/**
 * Typed events in which every listener runs isolated: one that throws, or
 * returns a rejected promise, is logged and the others still run, and the
 * emitter's own work is never disturbed. Built on eventemitter3.
 */
export class SafeEmitter<Events extends { [E in keyof Events]: Listener }> {
  readonly #emitter = new EventEmitter();
  readonly #guarded = new WeakMap<Listener, (...args: unknown[]) => void>();
  readonly #log: () => Logger;

  /** @internal */
  constructor(log: () => Logger) {
    this.#log = log;
  }

  /** Calls `listener` on every `event`. */
  on<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    this.#emitter.on(event, this.#guard(event, listener));
    return this;
  }

  /** Calls `listener` on the next `event` only. */
  once<E extends keyof Events & string>(event: E, listener: Events[E]): this {
    this.#emitter.once(event, this.#guard(event, listener));
    return this;
  }

  /** Stops calling `listener` (every listener of `event` when none is given). */
  off<E extends keyof Events & string>(event: E, listener?: Events[E]): this {
    if (listener === undefined) this.#emitter.removeAllListeners(event);
    else this.#emitter.off(event, this.#guarded.get(listener));
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount<E extends keyof Events & string>(event: E): number {
    return this.#emitter.listenerCount(event);
  }

  /** @internal Emits `event` to every listener, each isolated. */
  protected notify<E extends keyof Events & string>(event: E, ...args: Parameters<Events[E]>): void {
    this.#emitter.emit(event, ...args);
  }

  #guard(event: string, listener: Listener): (...args: unknown[]) => void {
    let guarded = this.#guarded.get(listener);
    if (guarded === undefined) {
      const report = (error: unknown): void => this.#log().error({ stage: 'listener', event }, `a listener of "${event}" threw: ${describe(error)}`);
      guarded = (...args: unknown[]): void => {
        try {
          const result: unknown = (listener as (...a: unknown[]) => unknown)(...args);
          if (result instanceof Promise) result.catch(report);
        } catch (error) {
          report(error);
        }
      };
      this.#guarded.set(listener, guarded);
    }
    return guarded;
  }
}
