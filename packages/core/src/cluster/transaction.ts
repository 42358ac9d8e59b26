import { describe, ErrorCodes, HotswapError } from '../errors.js';
import type { PluginDetail } from '../reload/details.js';
import { CLUSTER_TAG, type CoordinatorMessage, type WireCanary, type WireError, type WorkerMessage } from './messages.js';
import type { ClusterReloadResult, ReleaseRef, WorkerOutcome, WorkerReport } from './types.js';
import { Until } from './until.js';

/** What one cluster reload needs from the coordinator. @internal */
export interface TransactionConfig {
  txn: number;
  release: ReleaseRef;
  members: readonly number[];
  rollback: boolean;
  /** Commit as a canary in every worker: the release is committed only once the coordinator promotes it. */
  canary?: WireCanary;
  deadlineMs: number;
  commitTimeoutMs: number;
  send(worker: number, message: CoordinatorMessage): void;
  /**
   * Called once every vote is yes, before the first commit is sent: the
   * release is committed once it resolves. If it rejects, every worker
   * aborts. Not for a canary: its release is committed (and recorded) only
   * once the coordinator promotes it.
   */
  decided(release: ReleaseRef): Promise<void>;
}

/** What is known of one worker during the transaction. */
interface Member {
  vote?: { ok: true; generation: number; plugins: PluginDetail[] } | { ok: false; error: WireError };
  died?: boolean;
  swap?: { generation: number; at: number } | { error: WireError };
  aborted?: boolean;
}

/**
 * One cluster reload, from the first `prepare` to the last acknowledgement:
 * phase 1 asks every member to prepare `release` and collects the votes
 * within the deadline; phase 2 sends `commit` to all if every vote is yes,
 * `abort` to all otherwise. The coordinator feeds it the workers' messages
 * and exits while it runs. @internal
 */
export class ClusterTransaction {
  readonly #config: TransactionConfig;
  readonly #members = new Map<number, Member>();
  readonly #started = performance.now();
  readonly #waiting = new Until();
  #closedWith: HotswapError | undefined;

  constructor(config: TransactionConfig) {
    this.#config = config;
    for (const worker of config.members) this.#members.set(worker, {});
  }

  /** A message from a worker; messages of other transactions, or from non-members, are ignored. */
  handle(worker: number, message: WorkerMessage): void {
    const member = this.#members.get(worker);
    if (member === undefined || !('txn' in message) || message.txn !== this.#config.txn) return;
    if (message.type === 'vote') member.vote = message.ok ? { ok: true, generation: message.generation, plugins: message.plugins } : { ok: false, error: message.error };
    else if (message.type === 'committed') member.swap = { generation: message.generation, at: message.at };
    else if (message.type === 'commit-failed') member.swap = { error: message.error };
    else if (message.type === 'aborted') member.aborted = true;
    this.#waiting.check();
  }

  /** The error `close()` ended the transaction with, if it did. */
  get closedWith(): HotswapError | undefined {
    return this.#closedWith;
  }

  /**
   * The coordinator closes: in phase 1, every member is told to abort at once
   * and `run()` rejects with `error`, since no vote will be heard any more. A
   * decided transaction runs to its end (its commit is sent), but no
   * acknowledgement is heard any more either: `run()` resolves at once with
   * those heard so far, the others `no-answer`, rather than after
   * `commitTimeoutMs`.
   */
  close(error: HotswapError): void {
    this.#closedWith ??= error;
    this.#waiting.check();
  }

  /** A worker exited or lost its channel. */
  exited(worker: number): void {
    const member = this.#members.get(worker);
    if (member === undefined) return;
    member.died = true;
    this.#waiting.check();
  }

  async run(): Promise<ClusterReloadResult> {
    const { txn, release, rollback, deadlineMs, commitTimeoutMs } = this.#config;
    // A worker left alone (its coordinator gone) gives the prepared reload up by itself a little after phase 2 would have ended.
    const canary = this.#config.canary;
    this.#broadcast({ tag: CLUSTER_TAG, type: 'prepare', txn, release, rollback, timeoutMs: deadlineMs + commitTimeoutMs, ...(canary === undefined ? {} : { canary }) });
    const all = [...this.#members.values()];
    await this.#waiting.until(
      () => this.#closedWith !== undefined || all.every((m) => m.vote !== undefined || m.died === true) || all.some((m) => m.died === true || m.vote?.ok === false),
      deadlineMs,
    );
    if (this.#closedWith !== undefined) {
      // No acknowledgement can reach a closed coordinator: the workers unwind on their own.
      this.#broadcast({ tag: CLUSTER_TAG, type: 'abort', txn });
      throw this.#closedWith;
    }
    if (!all.every((m) => m.vote?.ok === true && m.died !== true)) return this.#abort();
    if (canary === undefined) {
      try {
        await this.#config.decided(release);
      } catch (error) {
        return this.#abort(error);
      }
    }
    return this.#commit();
  }

  async #commit(): Promise<ClusterReloadResult> {
    const { txn, release, commitTimeoutMs } = this.#config;
    this.#broadcast({ tag: CLUSTER_TAG, type: 'commit', txn });
    const all = [...this.#members.values()];
    await this.#waiting.until(() => this.#closedWith !== undefined || all.every((m) => m.swap !== undefined || m.died === true), commitTimeoutMs);
    const workers = this.#reports((m): WorkerOutcome => {
      if (m.swap !== undefined) return 'error' in m.swap ? 'commit-failed' : 'committed';
      return m.died === true ? 'died' : 'no-answer';
    });
    const times = workers.flatMap((w) => (w.swappedAt === undefined ? [] : [w.swappedAt]));
    const first = workers.find((w) => w.plugins !== undefined);
    return {
      generation: txn,
      plugins: first?.plugins ?? [],
      durationMs: performance.now() - this.#started,
      release: release.id,
      releaseDir: release.dir,
      workers,
      skewMs: times.length === 0 ? 0 : Math.max(...times) - Math.min(...times),
    };
  }

  /** Aborts everywhere; `unrecorded` is why a decision to commit could not be recorded. */
  async #abort(unrecorded?: unknown): Promise<never> {
    const { txn, release, commitTimeoutMs } = this.#config;
    const all = [...this.#members.values()];
    const reason =
      unrecorded !== undefined ? 'unrecorded' : all.some((m) => m.vote?.ok === false) ? 'refused' : all.some((m) => m.died === true) ? 'died' : 'no-answer';
    this.#broadcast({ tag: CLUSTER_TAG, type: 'abort', txn });
    // Wait until the workers that prepared have unwound, so the old release is what serves once this rejects; not once closed, since no acknowledgement is heard then.
    await this.#waiting.until(
      () => this.#closedWith !== undefined || all.every((m) => m.aborted === true || m.died === true || m.vote === undefined || m.vote.ok === false),
      commitTimeoutMs,
    );
    const workers = this.#reports((m): WorkerOutcome => {
      if (m.died === true) return 'died';
      // Still preparing when another worker refused or died: it gets the abort like the others.
      if (m.vote === undefined) return reason === 'no-answer' ? 'no-answer' : 'aborted';
      return m.vote.ok ? 'aborted' : 'refused';
    });
    const culprits = workers.filter((w) => w.outcome === reason).map((w) => `worker ${w.worker}${w.error === undefined ? '' : ` (${w.error.code}: ${w.error.message})`}`);
    const why =
      reason === 'unrecorded'
        ? `every worker prepared it, but the decision could not be recorded in the release root (${describe(unrecorded)})`
        : `${culprits.join(', ')} ${reason === 'refused' ? 'could not prepare it' : reason === 'died' ? 'exited during phase 1' : `did not vote within ${this.#config.deadlineMs} ms`}`;
    throw new HotswapError(
      ErrorCodes.CLUSTER_ABORTED,
      `the cluster reload to release ${release.id} was aborted: ${why}. Every worker keeps serving the release it served before; fix the cause and reload again.`,
      {
        reason,
        release: release.id,
        workers: workers.map((w) => ({ worker: w.worker, outcome: w.outcome, ...(w.error === undefined ? {} : { error: { code: w.error.code, message: w.error.message } }) })),
      },
    );
  }

  #reports(outcome: (member: Member) => WorkerOutcome): WorkerReport[] {
    return [...this.#members].map(([worker, m]) => {
      const report: WorkerReport = { worker, outcome: outcome(m) };
      if (m.vote?.ok === true) report.plugins = m.vote.plugins;
      if (m.vote?.ok === false) report.error = m.vote.error;
      if (m.swap !== undefined && 'error' in m.swap) report.error = m.swap.error;
      if (m.swap !== undefined && 'at' in m.swap) {
        report.generation = m.swap.generation;
        report.swappedAt = m.swap.at;
      }
      return report;
    });
  }

  #broadcast(message: CoordinatorMessage): void {
    for (const [worker, member] of this.#members) if (member.died !== true) this.#config.send(worker, message);
  }
}
