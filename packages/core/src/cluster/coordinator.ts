import { asFailure, ErrorCodes, HotswapError } from '../errors.js';
import { consoleLogger, silentLogger, type Logger } from '../logger.js';
import { checkSplit, type CanaryOptions } from '../canary/run.js';
import { settleRules } from '../canary/rules.js';
import { canaryEnded, ClusterCanaryRun, type ClusterCanary } from './canary.js';
import { CLUSTER_TAG, wireError, type WorkerMessage } from './messages.js';
import { CommittedRecorder, resolveActive, startingRelease } from './committed.js';
import { ClusterTransaction } from './transaction.js';
import type { CoordinatorTransport } from './transport.js';
import type { ClusterReloadOptions, ClusterReloadResult, ClusterStatus, CoordinatorOptions, ReleaseRef } from './types.js';

/** A worker between its `hello` and its `ready`. */
interface Join {
  promise: Promise<void>;
  done: () => void;
}

/**
 * The primary's side of cluster reloads: it names the committed release to
 * every worker that starts, and runs one cluster reload at a time (a
 * two-phase commit over the workers that serve). Make it with
 * `createCoordinator` (create.ts); triggers take it where they take a swapper.
 */
export class Coordinator {
  readonly #root: string;
  readonly #deadlineMs: number;
  readonly #commitTimeoutMs: number;
  readonly #joinTimeoutMs: number;
  readonly #transport: CoordinatorTransport;
  readonly #log: Logger;
  readonly #stop: Array<() => void>;
  readonly #members = new Set<number>();
  readonly #joins = new Map<number, Join>();
  /** Joins waiting for a transaction to end, woken when it turns into a running canary. */
  readonly #joinWaits = new Set<() => void>();
  /** Workers that exited: node:cluster never reuses an id, so a late greeting from one is ignored. */
  readonly #gone = new Set<number>();
  #committed: ReleaseRef | undefined;
  /** Every write of `<root>/committed`, the start-up's and the decisions', in order. */
  readonly #recorder: CommittedRecorder;
  /** The release the first worker is named: the recorded committed one, else `current`. */
  #starting: Promise<ReleaseRef> | undefined;
  #txn: ClusterTransaction | undefined;
  #canary: ClusterCanaryRun | undefined;
  /** Settles when the transaction under way ends; joins wait for it. */
  #active: Promise<void> | undefined;
  /** The next reload, not started yet: calls made meanwhile share it. */
  #pending: Promise<ClusterReloadResult> | undefined;
  /** Whether a call folded into the pending reload asked for a rollback. */
  #pendingRollback = false;
  #tail: Promise<unknown> = Promise.resolve();
  #count = 0;
  #reloads = 0;
  #last: ClusterStatus['lastReload'];
  #closed = false;

  /** @internal Use `createCoordinator` (create.ts). */
  constructor(options: CoordinatorOptions, transport: CoordinatorTransport) {
    this.#root = options.releaseRoot;
    this.#recorder = new CommittedRecorder(options.releaseRoot);
    this.#deadlineMs = options.deadlineMs ?? 10_000;
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 5_000;
    this.#joinTimeoutMs = options.joinTimeoutMs ?? 30_000;
    this.#log = options.logger === false ? silentLogger : (options.logger ?? consoleLogger());
    this.#transport = transport;
    this.#stop = [transport.onMessage((worker, message) => this.#message(worker, message)), transport.onExit((worker) => this.#exited(worker))];
  }

  /** The release the last cluster reload committed (or the first worker loaded); undefined before that. */
  get committed(): ReleaseRef | undefined {
    return this.#committed;
  }

  /** How many cluster reloads have committed. */
  get reloadCounter(): number {
    return this.#reloads;
  }

  /** The cluster canary running now, if any: its status, and promote or roll it back by hand. */
  get activeCanary(): ClusterCanary | undefined {
    return this.#canary;
  }

  /** What the coordinator knows: the committed release, the workers serving it, the last reload. */
  status(): ClusterStatus {
    return {
      committed: this.#committed,
      workers: [...this.#members].sort((a, b) => a - b),
      reloadCount: this.#reloads,
      reloading: this.#active !== undefined,
      ...(this.#canary === undefined ? {} : { canary: this.#canary.status() }),
      ...(this.#last === undefined ? {} : { lastReload: this.#last }),
    };
  }

  /**
   * One reload across every worker: resolves the release `current` points at
   * once, has every worker prepare exactly that directory and vote within
   * `deadlineMs`, then commits everywhere, or aborts everywhere and rejects
   * with `HOTSWAP_CLUSTER_ABORTED`. One runs at a time: calls made while one
   * runs share the next. `rollback` is passed to every worker's reload.
   *
   * With `canary`, phase 2 commits it as a canary in every worker instead:
   * each worker reports its counts, the coordinator judges them together by
   * the canary's rules and tells every worker to promote or roll back. It
   * resolves once promoted (the result's `canary` has the counts and the
   * verdict) and rejects with `HOTSWAP_CANARY_ROLLED_BACK` once rolled back;
   * bad canary options reject with `HOTSWAP_INVALID_OPTION`. A canary reload
   * is never shared with other calls.
   */
  reload(options: ClusterReloadOptions = {}): Promise<ClusterReloadResult> {
    if (this.#closed) return Promise.reject(closedError());
    if (options.canary !== undefined) return this.#canaryReload(options.canary, options.rollback === true);
    if (options.rollback === true) this.#pendingRollback = true;
    if (this.#pending !== undefined) return this.#pending;
    const promise = this.#tail.then(async () => {
      // From here on it has started: later calls make the next one.
      this.#pending = undefined;
      const rollback = this.#pendingRollback;
      this.#pendingRollback = false;
      while (this.#joins.size > 0) await Promise.all([...this.#joins.values()].map((j) => j.promise));
      if (this.#closed) throw closedError();
      return this.#transact(rollback);
    });
    this.#pending = promise;
    this.#tail = promise.catch(() => undefined);
    return promise;
  }

  /**
   * Starts a cluster canary, `reload({ canary })`, and resolves once it serves
   * in every worker, as `swapper.canary()` does: decide it with its
   * `promote()` and `rollback()`, or let its rules; its `settled` says how it
   * ended. Rejects as the reload does when it cannot start (bad options,
   * `HOTSWAP_INVALID_OPTION`; an aborted phase 1, `HOTSWAP_CLUSTER_ABORTED`).
   */
  canary(options: CanaryOptions & { rollback?: boolean }): Promise<ClusterCanary> {
    return new Promise<ClusterCanary>((resolve, reject) => {
      const { rollback, ...canary } = options;
      // Once it serves, its end is the canary's `settled`: the reload's own rejection is handled there.
      this.#canaryReload(canary, rollback === true, resolve).catch(reject);
    });
  }

  /** A canary reload: its own place in the line, never shared. */
  #canaryReload(canary: CanaryOptions, rollback: boolean, serving?: (run: ClusterCanary) => void): Promise<ClusterReloadResult> {
    if (this.#closed) return Promise.reject(closedError());
    try {
      if (typeof canary !== 'object' || canary === null) throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`canary\` must be an object such as { weight: 0.1 }; got ${String(canary)}.`);
      checkSplit(canary);
    } catch (error) {
      return Promise.reject(asFailure(error));
    }
    const promise = this.#tail.then(async () => {
      while (this.#joins.size > 0) await Promise.all([...this.#joins.values()].map((j) => j.promise));
      // Closed while it waited in line: no worker is asked to prepare what nobody will hear the votes of.
      if (this.#closed) throw closedError();
      return this.#transact(rollback, canary, serving);
    });
    this.#tail = promise.catch(() => undefined);
    return promise;
  }

  /**
   * Stops listening to the workers. A cluster canary running is rolled back;
   * a reload still in phase 1 is aborted in every worker at once and rejects
   * with `HOTSWAP_CLUSTER_ROLE`, as the reloads queued behind it do; one
   * already decided sends its commit and resolves at once, the workers whose
   * acknowledgement was not heard yet reported as `no-answer`.
   */
  close(): void {
    this.#canary?.close();
    this.#closed = true;
    this.#txn?.close(closedError());
    for (const stop of this.#stop.splice(0)) stop();
  }

  #transact(rollback: boolean, canary?: CanaryOptions, serving?: (run: ClusterCanary) => void): Promise<ClusterReloadResult> {
    // Under way from here, while `current` is resolved too: a worker greeting meanwhile waits for the end.
    const run = resolveActive(this.#root).then(
      (release) => {
        // Closed while `current` was resolved: nothing is sent.
        if (this.#closed) throw closedError();
        return this.#run(release, rollback, canary, serving);
      },
      (error: unknown) => {
        throw this.#failed(error);
      },
    );
    this.#active = run.then(
      () => undefined,
      () => undefined,
    );
    void this.#active.then(() => {
      this.#active = undefined;
      this.#txn = undefined;
    });
    return run;
  }

  #run(release: ReleaseRef, rollback: boolean, canary?: CanaryOptions, serving?: (run: ClusterCanary) => void): Promise<ClusterReloadResult> {
    const members = [...this.#members];
    const baseline = this.#committed?.id;
    const txn = new ClusterTransaction({
      txn: ++this.#count,
      release,
      members,
      rollback,
      ...(canary === undefined ? {} : { canary: { weight: canary.weight, by: canary.by ?? 'random', reportMs: settleRules(canary.rules).checkIntervalMs } }),
      deadlineMs: this.#deadlineMs,
      commitTimeoutMs: this.#commitTimeoutMs,
      send: (worker, message) => this.#transport.send(worker, message),
      // Recorded in the release root before any worker commits: a restarted primary names the same release.
      decided: async (r) => {
        await this.#recorder.decision(r);
        this.#committed = r;
      },
    });
    this.#txn = txn;
    return txn.run().then(
      (result) => (canary === undefined ? result : this.#judge(result, release, baseline, canary, serving)),
    ).then(
      (result) => {
        this.#reloads++;
        this.#last = { ok: true, at: Date.now(), result };
        const failed = result.workers.filter((w) => w.outcome !== 'committed');
        this.#log.info(
          { generation: result.generation, stage: 'reload', release: release.id, skewMs: result.skewMs },
          `cluster reload ${result.generation}: release ${release.id} serving in ${result.workers.length - failed.length} of ${result.workers.length} worker(s), skew ${result.skewMs.toFixed(1)} ms` +
            (failed.length === 0 ? '' : `; ${failed.map((w) => `worker ${w.worker} ${w.outcome}`).join(', ')}`),
        );
        return result;
      },
      (error: unknown) => {
        // Ended by close(): nothing failed.
        if (error === txn.closedWith) throw error;
        throw this.#failed(error);
      },
    );
  }

  /** The canary phase: every worker that committed reports its counts until the verdict, judged here on all of them together. */
  async #judge(result: ClusterReloadResult, release: ReleaseRef, baseline: string | undefined, options: CanaryOptions, serving?: (run: ClusterCanary) => void): Promise<ClusterReloadResult> {
    const run = new ClusterCanaryRun({
      result,
      release: release.id,
      baseline,
      // A worker that did not acknowledge its commit in time may still commit it (its event loop was busy): it hears the verdict too.
      workers: result.workers.filter((w) => w.outcome === 'committed' || w.outcome === 'no-answer').map((w) => w.worker),
      options,
      commitTimeoutMs: this.#commitTimeoutMs,
      send: (worker, message) => this.#transport.send(worker, message),
      // A promotion is recorded in the release root before any worker promotes, as a plain reload's commit is: a restarted primary names
      // the promoted release, and a worker that starts from here on loads it. A rolled-back canary leaves the record, and the committed release, as they were.
      decided: async (verdict) => {
        if (verdict !== 'promote') return;
        await this.#recorder.decision(release);
        this.#committed = release;
      },
    });
    this.#canary = run;
    // Workers that start from here on are welcomed at once, with the baseline, instead of waiting out the canary.
    for (const wake of this.#joinWaits) wake();
    this.#log.info({ generation: result.generation, stage: 'canary', release: release.id, baseline, weight: options.weight }, `cluster canary ${result.generation}: release ${release.id} serving ${Math.round(options.weight * 100)}% of the work in ${run.status().workers.length} worker(s) beside release ${baseline ?? 'none'}`);
    serving?.(run);
    const outcome = await run.settled;
    this.#canary = undefined;
    // A worker that joined during the canary loaded the baseline and is no member of it: its `ready`, compared once this
    // transaction has ended (see #level), brings it level after a promote.
    return canaryEnded(this.#log, result, release.id, baseline, outcome);
  }

  #failed(error: unknown): HotswapError {
    const failure = asFailure(error);
    this.#last = { ok: false, at: Date.now(), code: failure.code, message: failure.message };
    this.#log.error({ stage: 'reload', code: failure.code }, failure.message);
    return failure;
  }

  #message(worker: number, message: WorkerMessage): void {
    if (message.type === 'hello') {
      void this.#join(worker);
    } else if (message.type === 'ready') {
      this.#joins.get(worker)?.done();
      if (this.#gone.has(worker)) return;
      this.#members.add(worker);
      this.#level(worker, message.release);
    } else if (message.type === 'join-failed') {
      this.#joins.get(worker)?.done();
      this.#log.error({ stage: 'join', worker, release: message.release, code: message.error.code }, `worker ${worker} could not load release ${message.release}: ${message.error.message}`);
    } else if (message.type === 'leave') {
      this.#left(worker);
    } else if (message.type === 'canary-counts' || message.type === 'canary-decided') {
      this.#canary?.handle(worker, message);
    } else {
      this.#txn?.handle(worker, message);
    }
  }

  /**
   * Brings the cluster to the committed release when `worker` loaded another
   * (it loaded while no join was waited for, past joinTimeoutMs). While a
   * transaction runs, the committed release may be about to change, and the
   * worker is none of its members: compared again once it has ended.
   */
  #level(worker: number, loaded: string): void {
    if (this.#active !== undefined) {
      void this.#active.then(() => {
        if (this.#members.has(worker)) this.#level(worker, loaded);
      });
      return;
    }
    if (loaded === this.#committed?.id || this.#closed) return;
    this.#log.warn({ stage: 'join', worker, release: loaded }, `worker ${worker} loaded release ${loaded}, not the committed ${this.#committed?.id ?? 'none'}; reloading the cluster`);
    this.reload().catch(() => undefined);
  }

  #exited(worker: number): void {
    this.#gone.add(worker);
    this.#left(worker);
  }

  /** The worker takes no part any more (it exited, or stopped): no reload waits for it; one under way counts it gone. */
  #left(worker: number): void {
    this.#members.delete(worker);
    this.#joins.get(worker)?.done();
    this.#txn?.exited(worker);
    this.#canary?.exited(worker);
  }

  /** Names the committed release to a starting worker, once no transaction is under way, and waits for it to load. */
  async #join(worker: number): Promise<void> {
    let first: ReleaseRef;
    try {
      first = await this.#start();
    } catch (error) {
      this.#transport.send(worker, { tag: CLUSTER_TAG, type: 'no-release', error: wireError(error) });
      return;
    }
    // Not during a transaction: the worker would load a release about to change. During a canary it loads the baseline at once.
    while (this.#active !== undefined && this.#canary === undefined) {
      let wake = (): void => {};
      const woken = new Promise<void>((resolve) => (wake = resolve));
      this.#joinWaits.add(wake);
      await Promise.race([this.#active, woken]);
      this.#joinWaits.delete(wake);
    }
    // It exited while it waited: nothing to name, and no reload must wait for it.
    if (this.#gone.has(worker)) return;
    const committed = (this.#committed ??= first);
    let done = (): void => {};
    const promise = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(done, this.#joinTimeoutMs);
    this.#joins.set(worker, { promise, done });
    this.#transport.send(worker, { tag: CLUSTER_TAG, type: 'welcome', release: committed });
    await promise;
    clearTimeout(timer);
    if (this.#joins.get(worker)?.promise === promise) this.#joins.delete(worker);
  }

  /**
   * The committed release this coordinator starts from, resolved once for
   * every worker that greets it: the one the release root records as
   * committed (a primary that restarted), else the one `current` names.
   */
  #start(): Promise<ReleaseRef> {
    if (this.#committed !== undefined) return Promise.resolve(this.#committed);
    this.#starting ??= startingRelease(this.#root, this.#log, this.#recorder);
    // A failure is tried again by the next worker that greets.
    this.#starting.catch(() => (this.#starting = undefined));
    return this.#starting;
  }
}

function closedError(): HotswapError {
  return new HotswapError(ErrorCodes.CLUSTER_ROLE, 'the coordinator is closed: make a new one with createCoordinator().');
}
