// A run of hook stages whose synchronous start is made inside a bounded run
// someone else opened (the plugins' top levels, in reload/evaluate.ts), so
// that the two share one watchdog; HookRunner.finish goes on from where it
// stopped.
import type { HotswapError, Stage } from '../errors.js';
import type { HookTarget, StageErrors } from '../hooks.js';

/** One stage of a {@link HookRunner.lead}: what {@link HookRunner.stage} takes. */
export interface StageStep<V extends HookTarget, R = unknown> {
  stage: Stage;
  /** The hook to run for a target, or undefined to skip it; no side effects (it may be asked more than once). */
  pick: (target: V) => (() => R | PromiseLike<R>) | undefined;
  done?: (target: V, result: R) => void;
  errors?: StageErrors<V>;
}

/** Which hook of a synchronous run runs (for a watchdog that fires), and the one that threw. */
export interface SyncState<V> {
  running: V | undefined;
  /** The hook that ran last: a watchdog that fires late, once it has returned, still names it. */
  last: V | undefined;
  index: number;
  /** The stage of the hook that ran last. */
  stage: Stage | undefined;
  started: number;
  failed: { target: V; index: number; cause: unknown } | undefined;
}

/** Where a batch of hooks stopped: the target to go on from, and a hook's promise to settle first. */
export interface Batch<V, R> {
  next: number;
  pending?: { target: V; result: PromiseLike<R>; started: number } | undefined;
}

/** A fresh {@link SyncState}, its first hook at `index`. */
export function syncState<V>(index: number): SyncState<V> {
  return { running: undefined, last: undefined, index, stage: undefined, started: 0, failed: undefined };
}

type RunSync<V extends HookTarget> = (targets: readonly V[], start: number, step: StageStep<V>, state: SyncState<V>, deadline: number) => Batch<V, unknown>;
/** The timeout error for the hook a watchdog stopped, reported as its stage reports one. */
type Blame<V extends HookTarget> = (target: V, step: StageStep<V>, started: number) => HotswapError;

/** A run of stages made by {@link HookRunner.lead}: where its synchronous start stopped, and a hook's promise to settle first. */
export class Lead<V extends HookTarget> {
  step = 0;
  next = 0;
  pending: Batch<V, unknown>['pending'] = undefined;
  /** @internal */
  readonly state: SyncState<V> = syncState<V>(0);

  constructor(
    readonly steps: ReadonlyArray<StageStep<V>>,
    private readonly runSync: RunSync<V>,
    private readonly blame: Blame<V>,
  ) {}

  /**
   * Runs the hooks of the steps over `targets`, synchronously, as
   * {@link HookRunner.stage} would, until one returns a promise, throws, or
   * `deadline` (a `performance.now()` time) has passed; call it inside a
   * bounded run. A watchdog that fires meanwhile is the caller's:
   * {@link timedOut} names the hook it stopped.
   */
  run(targets: readonly V[], deadline: number): void {
    for (; this.step < this.steps.length; this.step++, this.next = 0) {
      const batch = this.runSync(targets, this.next, this.steps[this.step]!, this.state, deadline);
      this.next = batch.next;
      if (this.state.failed !== undefined || batch.pending !== undefined || batch.next < targets.length) {
        this.pending = batch.pending;
        return;
      }
    }
  }

  /**
   * The error for a watchdog that fired while the lead ran a hook (or after
   * the last one it ran returned), reported like a stage's; undefined when
   * it ran none, so the caller's own code was interrupted.
   */
  timedOut(): HotswapError | undefined {
    const culprit = this.state.running ?? this.state.last;
    const step = this.steps.find((s) => s.stage === this.state.stage);
    if (culprit === undefined || step === undefined) return undefined;
    return this.blame(culprit, step, this.state.started);
  }
}
