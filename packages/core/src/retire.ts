import type { HotswapError } from './errors.js';
import type { HookRunner } from './hooks.js';
import { tearDown } from './version/teardown.js';
import type { PluginVersion } from './version/version.js';

/** A version that was retired or freed, as the events report it. */
export interface VersionEvent {
  plugin: string;
  version: string;
  buildStamp: string;
}

/** How long retirement waits. */
export interface RetireTiming {
  /** Milliseconds a retired version waits, once drained, before its OnFree. */
  freeDelay: number;
  /** Longest a retired version waits for its calls to drain before OnFree runs anyway. */
  maxFreeWait: number;
}

/** Who hears of each step of a retirement. */
export interface RetireListener {
  retired(version: PluginVersion): void;
  drained(version: PluginVersion): void;
  stuck(version: PluginVersion, inflight: number): void;
  freeFailed(version: PluginVersion, error: HotswapError): void;
  freed(version: PluginVersion): void;
}

/**
 * Retires versions swapped out together and keeps track of those still
 * retiring. For each batch: every version moves to `retiring` and its signal
 * is aborted at once, its onRetire teardowns run, the calls already running
 * in it finish; then, once the free delay has passed and they have drained
 * (or `maxFreeWait` has run out), OnFree runs exactly once each, in reverse
 * dependency order, and the version is freed. Nothing here ever rejects.
 */
export class Retirement {
  readonly #running = new Set<Promise<void>>();
  /** The free delays under way, each ended early by `hurry()`. A set, not abort listeners: any number may wait at once. */
  readonly #delays = new Set<() => void>();
  #hurried = false;
  readonly #runner: HookRunner;
  readonly #listener: RetireListener;

  constructor(runner: HookRunner, listener: RetireListener) {
    this.#runner = runner;
    this.#listener = listener;
  }

  /** Starts retiring `versions` (in dependency order). */
  retire(versions: readonly PluginVersion[], timing: RetireTiming): void {
    if (versions.length === 0) return;
    const done = this.#retire(versions, timing).finally(() => this.#running.delete(done));
    this.#running.add(done);
  }

  /** From now on free delays end at once: the swapper is closing. */
  hurry(): void {
    this.#hurried = true;
    for (const end of [...this.#delays]) end();
  }

  /** Resolves when every version retired so far has had its OnFree. */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  async #retire(versions: readonly PluginVersion[], timing: RetireTiming): Promise<void> {
    await tearDown(versions, this.#runner, (version) => {
      version.retire();
      this.#listener.retired(version);
    });
    // OnFree waits for both: the free delay, and the calls to drain (or maxFreeWait to run out).
    const drained = Promise.all(
      versions.map((v) =>
        v.drained().then(() => {
          if (v.state === 'retiring') this.#listener.drained(v);
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timing.maxFreeWait);
      timer.unref();
    });
    let [, outcome] = await Promise.all([
      this.#delay(timing.freeDelay),
      Promise.race([drained.then(() => 'drained' as const), outOfTime]),
    ]);
    // A call that began after the versions first drained (through a generation kept, an invokeEach walking
    // through the swap, a hold taken late) holds OnFree back too, within the same maxFreeWait.
    for (let busy = versions.filter((v) => v.inflight > 0); outcome === 'drained' && busy.length > 0; busy = versions.filter((v) => v.inflight > 0)) {
      outcome = await Promise.race([Promise.all(busy.map((v) => v.drained())).then(() => 'drained' as const), outOfTime]);
    }
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const version of versions) if (version.inflight > 0) this.#listener.stuck(version, version.inflight);
    }
    await freeAll([...versions].reverse(), this.#runner, (version, error) => this.#listener.freeFailed(version, error));
    for (const version of versions) {
      version.free();
      this.#listener.freed(version);
    }
  }

  /** Waits `ms`, or less if `hurry()` is called meanwhile. */
  #delay(ms: number): Promise<void> {
    if (ms <= 0 || this.#hurried) return Promise.resolve();
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.#delays.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms).unref();
      this.#delays.add(end);
    });
  }
}

/**
 * Runs OnFree of each version in the order given, each isolated: one that
 * throws, rejects or runs past the limit is reported and the rest still run.
 */
export async function freeAll(
  versions: readonly PluginVersion[],
  runner: HookRunner,
  failed: (version: PluginVersion, error: HotswapError) => void,
): Promise<void> {
  await runner.stage(
    versions,
    'onFree',
    (v) => {
      const onFree = v.definition.onFree;
      return onFree === undefined ? undefined : () => onFree(v.context);
    },
    undefined,
    undefined,
    failed,
  );
}

/** The event payload that names a version. */
export function eventOf(version: PluginVersion): VersionEvent {
  return { plugin: version.name, version: version.version, buildStamp: version.buildStamp };
}

