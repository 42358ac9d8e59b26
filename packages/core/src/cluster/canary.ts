import { combine, snapshotOf, type MeterCounts, type MeterSnapshot } from '../canary/meter.js';
import { judge, settleRules, type CanaryVerdict, type SettledRules } from '../canary/rules.js';
import type { CanaryDecider, CanaryOptions, CanaryState } from '../canary/run.js';
import { describe, ErrorCodes, HotswapError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CLUSTER_TAG, type CoordinatorMessage, type WorkerMessage } from './messages.js';
import type { ClusterReloadResult } from './types.js';
import { Until } from './until.js';

/**
 * Where one worker stands in a cluster canary: `running` (it reports its
 * counts), `promoted` or `rolled-back` (it carried the verdict out), `died`
 * (it exited; its last counts still count), `no-answer` (it did not confirm
 * the verdict within `commitTimeoutMs`).
 */
export type WorkerCanaryState = 'running' | 'promoted' | 'rolled-back' | 'died' | 'no-answer';

/** One worker's line in a cluster canary: its own counts, as it last reported them. */
export interface WorkerCanaryReport {
  /** The worker's id (`cluster.worker.id`). */
  worker: number;
  state: WorkerCanaryState;
  /** What each side did in this worker since the canary started. */
  counts: { canary: MeterSnapshot; baseline: MeterSnapshot };
}

/** A cluster canary as `coordinator.status().canary` shows it: every worker's counts added up, and judged together. */
export interface ClusterCanaryStatus {
  state: CanaryState;
  /** The cluster reload's number (its result's `generation`). */
  generation: number;
  /** The release served as the canary. */
  release: string;
  /** The release serving beside it: the one committed before. */
  baseline: string | undefined;
  weight: number;
  by: 'random' | 'key';
  /** `Date.now()` when every worker had started it. */
  startedAt: number;
  elapsedMs: number;
  /** What each side did in all the workers together. */
  counts: { canary: MeterSnapshot; baseline: MeterSnapshot };
  /** Each worker's own counts. */
  workers: WorkerCanaryReport[];
  /** What the rules say of the combined counts now (or said, once decided). */
  verdict: CanaryVerdict;
  /** Who decided, once decided. */
  decidedBy?: CanaryDecider;
}

/** How a cluster canary ended. */
export interface ClusterCanaryOutcome {
  state: 'promoted' | 'rolled-back';
  decidedBy: CanaryDecider;
  /** Why, in words: the rules' reasons, or the host's. */
  reasons: string[];
  /** The final status, every worker's counts included. */
  status: ClusterCanaryStatus;
}

/**
 * A canary across the workers of a cluster (`coordinator.reload({ canary })`):
 * it serves in every worker beside the release before, each worker reports
 * its counts, and the coordinator judges them together and tells every
 * worker to promote it or roll it back. `coordinator.activeCanary` while it runs.
 */
export interface ClusterCanary {
  /** The cluster reload's number (its result's `generation`). */
  readonly generation: number;
  /** The release served as the canary. */
  readonly release: string;
  readonly state: CanaryState;
  /** The combined counts, each worker's, and the verdict as it forms. */
  status(): ClusterCanaryStatus;
  /**
   * Promotes it in every worker now: the release is committed, and every
   * worker serves it alone. Resolves with the cluster reload's result once
   * every worker carried it out. Throws `HOTSWAP_CANARY_DECIDED` once decided.
   */
  promote(): Promise<ClusterReloadResult>;
  /** Rolls it back in every worker now: every worker serves the release before alone. Throws `HOTSWAP_CANARY_DECIDED` once decided. */
  rollback(reason?: string): void;
  /** Settles once every worker carried the verdict out (or died, or did not answer in time). */
  readonly settled: Promise<ClusterCanaryOutcome>;
}

/** What a {@link ClusterCanaryRun} needs from the coordinator. @internal */
export interface ClusterCanaryConfig {
  /** What phase 2 committed: every worker's line, the canary's details. */
  result: ClusterReloadResult;
  release: string;
  baseline: string | undefined;
  /** The workers told to commit the canary: those that acknowledged it, and those that did not in time but may still commit it. */
  workers: readonly number[];
  options: CanaryOptions;
  commitTimeoutMs: number;
  send(worker: number, message: CoordinatorMessage): void;
  /**
   * Called with the verdict before it is sent: a promoted release is
   * committed once it resolves (recorded in the release root). If it rejects
   * for a promotion, every worker rolls back instead.
   */
  decided(verdict: 'promote' | 'rollback'): Promise<void>;
}

interface Member {
  state: WorkerCanaryState;
  canary: MeterCounts;
  baseline: MeterCounts;
}

const none = (): MeterCounts => combine([]);

/** The coordinator's judge of one cluster canary: the one implementation of {@link ClusterCanary}. @internal */
export class ClusterCanaryRun implements ClusterCanary {
  readonly generation: number;
  readonly release: string;
  readonly startedAt = Date.now();
  readonly settled: Promise<ClusterCanaryOutcome>;
  readonly #began = performance.now();
  readonly #config: ClusterCanaryConfig;
  readonly #rules: SettledRules;
  readonly #members = new Map<number, Member>();
  readonly #timer: NodeJS.Timeout;
  #state: CanaryState = 'running';
  #final: ClusterCanaryStatus | undefined;
  readonly #waiting = new Until();
  #settle: (outcome: ClusterCanaryOutcome) => void = () => undefined;

  constructor(config: ClusterCanaryConfig) {
    this.#config = config;
    this.release = config.release;
    this.generation = config.result.generation;
    this.#rules = settleRules(config.options.rules);
    for (const worker of config.workers) this.#members.set(worker, { state: 'running', canary: none(), baseline: none() });
    this.settled = new Promise((resolve) => (this.#settle = resolve));
    this.#timer = setInterval(() => this.#check(), this.#rules.checkIntervalMs);
    this.#timer.unref();
  }

  get state(): CanaryState {
    return this.#state;
  }

  /** A worker's counts or its outcome; other transactions' messages, and non-members', are ignored. */
  handle(worker: number, message: WorkerMessage): void {
    const member = this.#members.get(worker);
    if (member === undefined || !('txn' in message) || message.txn !== this.generation) return;
    if (message.type !== 'canary-counts' && message.type !== 'canary-decided') return;
    member.canary = message.canary;
    member.baseline = message.baseline;
    if (message.type === 'canary-decided') member.state = message.state;
    this.#waiting.check();
  }

  /** A worker exited or lost its channel: the others carry on; its last counts still count. */
  exited(worker: number): void {
    const member = this.#members.get(worker);
    if (member === undefined || member.state !== 'running') return;
    member.state = 'died';
    this.#waiting.check();
  }

  status(): ClusterCanaryStatus {
    if (this.#final !== undefined) return this.#final;
    const members = [...this.#members.values()];
    const canary = combine(members.map((m) => m.canary));
    const baseline = combine(members.map((m) => m.baseline));
    const elapsedMs = performance.now() - this.#began;
    return {
      state: this.#state,
      generation: this.generation,
      release: this.release,
      baseline: this.#config.baseline,
      weight: this.#config.options.weight,
      by: this.#config.options.by ?? 'random',
      startedAt: this.startedAt,
      elapsedMs,
      counts: { canary: snapshotOf(canary), baseline: snapshotOf(baseline) },
      workers: [...this.#members].map(([worker, m]) => ({ worker, state: m.state, counts: { canary: snapshotOf(m.canary), baseline: snapshotOf(m.baseline) } })),
      verdict: judge(canary, baseline, elapsedMs, this.#rules),
    };
  }

  promote(): Promise<ClusterReloadResult> {
    this.#running('promote');
    return this.#decide('promote', 'manual', ['promoted by the host']).then((outcome) => {
      if (outcome.state === 'promoted') return { ...this.#config.result, canary: outcome };
      // The promotion could not be recorded: every worker rolled back.
      const { decidedBy, reasons, status } = outcome;
      throw new HotswapError(
        ErrorCodes.CANARY_ROLLED_BACK,
        `the cluster canary of release ${this.release} was rolled back: ${reasons.join('; ')}. Every worker serves release ${this.#config.baseline ?? 'before'} again.`,
        { decidedBy, reasons, release: this.release, counts: status.counts, workers: status.workers },
      );
    });
  }

  rollback(reason = 'rolled back by the host'): void {
    this.#running('roll back');
    void this.#decide('rollback', 'manual', [reason]);
  }

  /** Rolls back because the coordinator closes. @internal */
  close(): void {
    if (this.#state === 'running') void this.#decide('rollback', 'closed', ['the coordinator was closed']);
  }

  #check(): void {
    if (this.#state !== 'running') return;
    const status = this.status();
    const { verdict, reasons } = status.verdict;
    const max = this.#rules.maxDurationMs;
    // No counts can come any more, and nobody serves it: waiting, even for a manual verdict, would hold every later reload back.
    if (status.workers.every((w) => w.state !== 'running')) {
      void this.#decide('rollback', 'rules', ['no worker serves the canary (none committed it, or every one exited) before a verdict']);
      return;
    }
    if (!this.#rules.auto) {
      if (max !== undefined && status.elapsedMs >= max) void this.#decide('rollback', 'rules', [`not decided within maxDurationMs (${max} ms)`]);
      return;
    }
    if (verdict !== 'pending') void this.#decide(verdict, 'rules', reasons);
  }

  /** Sends the verdict to every worker still running the canary and waits for each to carry it out. */
  async #decide(wanted: 'promote' | 'rollback', by: CanaryDecider, wantedReasons: string[]): Promise<ClusterCanaryOutcome> {
    let verdict = wanted;
    let reasons = wantedReasons;
    // Decided from here on, while a promotion is recorded: a second verdict is refused.
    this.#state = verdict === 'promote' ? 'promoted' : 'rolled-back';
    clearInterval(this.#timer);
    try {
      await this.#config.decided(verdict);
    } catch (error) {
      // A promotion that cannot be recorded is not made: a restarted primary would name the release before, so every worker serves it again.
      verdict = 'rollback';
      reasons = [...reasons, `the promotion could not be recorded in the release root (${describe(error)}), so the canary was rolled back`];
      this.#state = 'rolled-back';
    }
    const state = verdict === 'promote' ? 'promoted' : 'rolled-back';
    const running = [...this.#members].filter(([, m]) => m.state === 'running');
    for (const [worker] of running) this.#config.send(worker, { tag: CLUSTER_TAG, type: 'canary-decide', txn: this.generation, verdict, decidedBy: by, reasons });
    await this.#waiting.until(() => running.every(([, m]) => m.state !== 'running'), this.#config.commitTimeoutMs);
    for (const [, m] of running) if (m.state === 'running') m.state = 'no-answer';
    const last = this.status();
    this.#final = { ...last, state, decidedBy: by };
    const outcome: ClusterCanaryOutcome = { state, decidedBy: by, reasons, status: this.#final };
    this.#settle(outcome);
    return outcome;
  }

  #running(what: string): void {
    if (this.#state !== 'running') {
      throw new HotswapError(ErrorCodes.CANARY_DECIDED, `the cluster canary of release ${this.release} was already ${this.#state}; it cannot ${what} now.`, { state: this.#state });
    }
  }
}

/**
 * Logs how a cluster canary ended, with each worker's counts, and turns the
 * outcome into the reload's end: its result with the verdict after a
 * promote, `HOTSWAP_CANARY_ROLLED_BACK` after a rollback. @internal
 */
export function canaryEnded(log: Logger, result: ClusterReloadResult, release: string, baseline: string | undefined, outcome: ClusterCanaryOutcome): ClusterReloadResult {
  const { canary, baseline: base } = outcome.status.counts;
  log.info(
    { generation: result.generation, stage: 'canary', release, decidedBy: outcome.decidedBy, workers: outcome.status.workers.map((w) => ({ worker: w.worker, state: w.state, calls: w.counts.canary.calls, errors: w.counts.canary.errors })) },
    `cluster canary ${result.generation} ${outcome.state} (${outcome.decidedBy}): ${outcome.reasons.join('; ')}; canary ${canary.calls} call(s), ${canary.errors} error(s), baseline ${base.calls} call(s), ${base.errors} error(s) in ${outcome.status.workers.length} worker(s)`,
  );
  if (outcome.state === 'promoted') return { ...result, canary: outcome };
  throw new HotswapError(
    ErrorCodes.CANARY_ROLLED_BACK,
    `the cluster canary of release ${release} was rolled back: ${outcome.reasons.join('; ')}. Every worker serves release ${baseline ?? 'before'} again.`,
    { decidedBy: outcome.decidedBy, reasons: outcome.reasons, release, counts: outcome.status.counts, workers: outcome.status.workers },
  );
}
