import { describe, ErrorCodes, HotswapError, isHotswapError, where, type Stage } from './errors.js';
import { endPiece, runBounded, sharedLimit, START_SHARE, TimedOut } from './loader/bounded.js';
import { mapErrorStack } from './loader/source-map.js';
import { Lead, syncState, type Batch, type StageStep, type SyncState } from './hooks/lead.js';

/** A step of a hook, reported as the `hook` event. */
export interface HookEvent {
  plugin: string;
  version: string;
  stage: Stage;
  durationMs: number;
  /** Whether the hook succeeded. */
  ok: boolean;
}

/** What a hook runs for: a plugin version, or (for reload callbacks) nothing. */
export interface HookTarget {
  readonly name: string;
  readonly version: string;
  /** Milliseconds per stage, filled as hooks finish. */
  readonly timings: Record<string, number>;
}

/** How failures of one stage are described; the default names the plugin and says HOOK_FAILED / HOOK_TIMEOUT. */
export interface StageErrors<V> {
  failed(target: V, cause: unknown): HotswapError;
  timeout(target: V, timeoutMs: number): HotswapError;
}

/** How hooks are run: their time limit, whether synchronous code is interrupted at it, and who hears of each. */
export interface HookRunnerOptions {
  timeoutMs: number;
  /** Interrupt synchronous code that runs past `timeoutMs` (an endless loop included). */
  boundSync: boolean;
  onHook: (event: HookEvent) => void;
}

/**
 * The one way the framework runs plugin hooks, at reload and at retirement:
 * each hook timed, reported as a `hook` event, limited to `timeoutMs` (its
 * synchronous part interrupted when `boundSync`), and any failure turned
 * into a {@link HotswapError} naming the plugin and the stage.
 */
export class HookRunner {
  readonly timeoutMs: number;
  readonly #boundSync: boolean;
  readonly #onHook: (event: HookEvent) => void;

  constructor(options: HookRunnerOptions) {
    this.timeoutMs = options.timeoutMs;
    this.#boundSync = options.boundSync;
    this.#onHook = options.onHook;
  }

  /** The limit for a bounded run of synchronous code, or false when synchronous code is not bounded. */
  get syncLimit(): number | false {
    return this.#boundSync ? this.timeoutMs : false;
  }

  /** Runs one hook and returns its result. */
  async run<V extends HookTarget, R>(target: V, stage: Stage, fn: () => R | PromiseLike<R>, errors?: StageErrors<V>): Promise<R> {
    let out: R | undefined;
    await this.stage([target], stage, () => fn, (_, result) => (out = result), errors);
    return out as R;
  }

  /**
   * Runs the `stage` hook of each target in order, each after the previous
   * one settled. `pick` returns the hook to run, or undefined to skip the
   * target; it must have no side effects, as it may be asked more than once.
   * `done` receives each result. Consecutive synchronous hooks share one
   * bounded run, so a stage of many plugins costs one watchdog, not one each,
   * and a stage with no hook to run costs none.
   */
  async stage<V extends HookTarget, R>(
    targets: readonly V[],
    stage: Stage,
    pick: (target: V) => (() => R | PromiseLike<R>) | undefined,
    done?: (target: V, result: R) => void,
    errors: StageErrors<V> = defaultErrors(stage),
    isolate?: (target: V, error: HotswapError) => void,
  ): Promise<void> {
    await this.#stageFrom(targets, { stage, pick, done, errors }, 0, undefined, isolate);
  }

  /**
   * A run of `steps` (stages over the same targets, one after the other)
   * whose synchronous start can be made by a caller that is inside a bounded
   * run already, so that the plugins' top levels and the stages after them
   * share one watchdog: see {@link Lead.run}. Go on with {@link finish}.
   */
  lead<V extends HookTarget>(steps: ReadonlyArray<StageStep<V>>): Lead<V> {
    return new Lead<V>(
      steps,
      (targets, start, step, state, deadline) => this.#runSync(targets, start, step, state, deadline, false),
      (target, step, started) => {
        this.#report(target, step.stage, started, false);
        return (step.errors ?? defaultErrors(step.stage)).timeout(target, this.timeoutMs);
      },
    );
  }

  /** Runs what `lead` left of its steps, as {@link stage} runs each: a hook that failed in it fails the stage now. */
  async finish<V extends HookTarget>(targets: readonly V[], lead: Lead<V>): Promise<void> {
    const { steps, state } = lead;
    const failed = state.failed;
    if (failed !== undefined) {
      // Described outside the bounded run, as a batch's failure is.
      const step = steps[lead.step]!;
      this.#report(failed.target, step.stage, state.started, false);
      throw (step.errors ?? defaultErrors(step.stage)).failed(failed.target, failed.cause);
    }
    for (let k = lead.step; k < steps.length; k++) {
      await this.#stageFrom(targets, steps[k]!, k === lead.step ? lead.next : 0, k === lead.step ? lead.pending : undefined);
    }
  }

  async #stageFrom<V extends HookTarget, R>(
    targets: readonly V[],
    step: StageStep<V, R>,
    from: number,
    pending: Batch<V, R>['pending'],
    isolate?: (target: V, error: HotswapError) => void,
  ): Promise<void> {
    const { stage, pick, done } = step;
    const errors = step.errors ?? defaultErrors(stage);
    let at = from;
    let waiting = pending;
    while (waiting !== undefined || at < targets.length) {
      if (waiting === undefined) {
        // Targets without this hook run no plugin code: skip them without starting a watchdog.
        while (at < targets.length && pick(targets[at]!) === undefined) at++;
        if (at >= targets.length) break;
        let batch: Batch<V, R>;
        try {
          batch = this.#batch(targets, at, step, errors);
        } catch (error) {
          // Isolated: the failing target is reported and the stage goes on with the next one.
          if (isolate === undefined || !(error instanceof StageFailure)) throw unwrap(error);
          isolate(error.target as V, error.error);
          at = error.index + 1;
          continue;
        }
        at = batch.next;
        waiting = batch.pending;
        if (waiting === undefined) continue;
      }
      const { target, result, started } = waiting;
      waiting = undefined;
      let value: R;
      try {
        value = await this.#settle(target, stage, result, started, errors);
      } catch (error) {
        if (isolate === undefined || !isHotswapError(error)) throw error;
        isolate(target, error);
        continue;
      }
      done?.(target, value);
    }
  }

  #batch<V extends HookTarget, R>(targets: readonly V[], start: number, step: StageStep<V, R>, errors: StageErrors<V>): Batch<V, R> {
    const state = syncState<V>(start);
    let batch: Batch<V, R>;
    try {
      batch = runBounded(() => this.#runSync(targets, start, step, state, performance.now() + this.timeoutMs * START_SHARE, true), sharedLimit(this.syncLimit));
    } catch (error) {
      const culprit = state.running ?? state.last;
      if (error instanceof TimedOut && culprit !== undefined) {
        this.#report(culprit, step.stage, state.started, false);
        throw new StageFailure(culprit, state.index, errors.timeout(culprit, this.timeoutMs));
      }
      throw error;
    }
    const failed = state.failed;
    if (failed !== undefined) {
      // Described outside the bounded run: mapping a stack to the plugin's source can take a while the first time.
      this.#report(failed.target, step.stage, state.started, false);
      throw new StageFailure(failed.target, failed.index, errors.failed(failed.target, failed.cause));
    }
    return batch;
  }

  /**
   * Runs the hooks of one step from `start`, synchronously, inside a bounded
   * run its caller opened: until one returns a promise (handed back as
   * `pending`), throws (left in `state.failed`), or `deadline` has passed
   * (after the first hook when the run was `opened` for this batch) (a hook late in a long batch still gets a fair
   * share of the limit: the caller starts a fresh run). `state` says which
   * hook runs, for a watchdog that fires.
   */
  #runSync<V extends HookTarget, R>(targets: readonly V[], start: number, step: StageStep<V, R>, state: SyncState<V>, deadline: number, opened: boolean): Batch<V, R> {
    const { stage, pick, done } = step;
    // In a run opened for it, the first hook runs whatever the time; in a run opened by another (a lead), none past the deadline.
    let first = opened;
    for (let i = start; i < targets.length; i++) {
      const target = targets[i]!;
      const fn = pick(target);
      if (fn === undefined) continue;
      if (!first && performance.now() > deadline) return { next: i };
      first = false;
      state.running = target;
      state.last = target;
      state.index = i;
      state.stage = stage;
      state.started = performance.now();
      let result: R | PromiseLike<R>;
      let promised: boolean;
      try {
        result = fn();
        promised = isPromiseLike(result);
      } catch (error) {
        state.running = undefined;
        state.failed = { target, index: i, cause: error };
        return { next: i };
      }
      state.running = undefined;
      if (promised) return { next: i + 1, pending: { target, result: result as PromiseLike<R>, started: state.started } };
      // Returned, but past its limit: timed out as if the watchdog had stopped it (it is `state.last`).
      endPiece(state.started, this.syncLimit);
      this.#report(target, stage, state.started, true);
      done?.(target, result as R);
    }
    return { next: targets.length };
  }

  async #settle<V extends HookTarget, R>(target: V, stage: Stage, result: PromiseLike<R>, started: number, errors: StageErrors<V>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(0, this.timeoutMs - (performance.now() - started));
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), left);
    });
    let value: R | typeof TIMED_OUT;
    try {
      value = await Promise.race([result, timeout]);
    } catch (error) {
      this.#report(target, stage, started, false);
      throw errors.failed(target, error);
    } finally {
      clearTimeout(timer);
    }
    if (value === TIMED_OUT) {
      this.#report(target, stage, started, false);
      throw errors.timeout(target, this.timeoutMs);
    }
    this.#report(target, stage, started, true);
    return value;
  }

  #report(target: HookTarget, stage: Stage, started: number, ok: boolean): void {
    const durationMs = performance.now() - started;
    target.timings[stage] = durationMs;
    if (target.name !== '') this.#onHook({ plugin: target.name, version: target.version, stage, durationMs, ok });
  }
}

const TIMED_OUT = Symbol('timed out');

/** A hook's failure inside a batch, with where in the batch it happened. */
class StageFailure extends Error {
  constructor(
    readonly target: HookTarget,
    readonly index: number,
    readonly error: HotswapError,
  ) {
    super(error.message);
  }
}

function unwrap(error: unknown): unknown {
  return error instanceof StageFailure ? error.error : error;
}

/** HOOK_FAILED and HOOK_TIMEOUT for a plugin's hook, with the plugin's source position when known. */
export function defaultErrors(stage: Stage): StageErrors<HookTarget> {
  return {
    failed: (target, cause) => hookFailed(target.name, stage, cause),
    timeout: (target, timeoutMs) =>
      new HotswapError(
        ErrorCodes.HOOK_TIMEOUT,
        `plugin "${target.name}": ${stage} did not finish within ${timeoutMs} ms. ` +
          `Make it finish sooner, or raise the swapper's hookTimeout option.`,
        { plugin: target.name, stage, timeoutMs },
      ),
  };
}

/** HOOK_FAILED for whatever a plugin's hook threw, any value at all. */
export function hookFailed(plugin: string, stage: Stage, cause: unknown): HotswapError {
  const at = mapErrorStack(cause);
  return new HotswapError(ErrorCodes.HOOK_FAILED, `plugin "${plugin}": ${stage} failed: ${describe(cause)}${where(at)}`, {
    plugin,
    stage,
    cause,
  });
}

/** True for promises and other thenables. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
