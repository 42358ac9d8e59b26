import { ErrorCodes, HotswapError } from '../errors.js';
import type { PluginDetail, ReloadDetails } from '../reload/details.js';

/** Where a prepared reload stands: waiting for its verdict, swapped in, or given up. */
export type PreparedState = 'prepared' | 'committed' | 'aborted';

/** Why a prepared reload was aborted: by the host, by its time limit, by `close()`, or because its commit failed. */
export type AbortReason = 'aborted' | 'timeout' | 'closed' | 'commit-failed';

/**
 * A reload run up to the swap and held there (`swapper.prepare()`): every new
 * version has loaded, linked and initialised, the callbacks have agreed, but
 * nothing serves it yet. Commit it to swap it in, or abort it to free its
 * versions; the serving generation is untouched until `commit()`. No other
 * reload runs while one is prepared, and one left undecided past its time
 * limit aborts itself.
 */
export interface PreparedReload {
  /** The id the generation will have once committed. */
  readonly generation: number;
  /** The release its artifacts were read from, when the plugin directory is a release root or release. */
  readonly release: string | undefined;
  /** What the reload would do to each plugin. */
  readonly plugins: readonly PluginDetail[];
  /** `prepared` until `commit()` or `abort()` (or the time limit) decides. */
  readonly state: PreparedState;
  /** Why it was aborted, once it was. */
  readonly abortReason: AbortReason | undefined;
  /** When, in `Date.now()` milliseconds, it aborts itself if still undecided. */
  readonly expiresAt: number;
  /**
   * Swaps the prepared generation in, synchronously: from the return on, every
   * new call reaches it. Committing again returns the same details. Throws
   * `HOTSWAP_RELOAD_ABORTED` once aborted, and `HOTSWAP_HANDOFF_FAILED` when a
   * state handoff fails (the reload is then aborted and the serving generation
   * keeps serving).
   */
  commit(): ReloadDetails;
  /**
   * Gives the prepared reload up: its new versions get OnFree, the serving
   * generation keeps serving. Resolves `true` once they are freed, `false`
   * when it was already committed or aborted.
   */
  abort(): Promise<boolean>;
  /** Settles when the reload is committed, or aborted and unwound. */
  readonly settled: Promise<PreparedState>;
}

/** What a {@link Transaction} asks of the swapper. @internal */
export interface TransactionSteps {
  /** Hands the state over and swaps; returns the details. Throws with nothing swapped. */
  commit(): ReloadDetails;
  /** Unwinds the prepared versions (OnFree) and records why. */
  abort(reason: AbortReason, error: HotswapError | undefined): Promise<void>;
}

/** The one implementation of {@link PreparedReload}: a small state machine with a time limit. @internal */
export class Transaction implements PreparedReload {
  #state: PreparedState = 'prepared';
  #reason: AbortReason | undefined;
  #details: ReloadDetails | undefined;
  #unwound: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #settle: (state: PreparedState) => void;
  readonly settled: Promise<PreparedState>;
  readonly expiresAt: number;

  constructor(
    readonly generation: number,
    readonly plugins: readonly PluginDetail[],
    readonly release: string | undefined,
    timeoutMs: number,
    readonly steps: TransactionSteps,
  ) {
    let settle: (state: PreparedState) => void = () => undefined;
    this.settled = new Promise((resolve) => (settle = resolve));
    this.#settle = settle;
    this.expiresAt = Date.now() + timeoutMs;
    this.#timer = setTimeout(() => void this.#abort('timeout', undefined), timeoutMs);
    this.#timer.unref();
  }

  get state(): PreparedState {
    return this.#state;
  }

  get abortReason(): AbortReason | undefined {
    return this.#reason;
  }

  commit(): ReloadDetails {
    if (this.#details !== undefined) return this.#details;
    if (this.#state === 'aborted') {
      throw new HotswapError(ErrorCodes.RELOAD_ABORTED, abortMessage(this.generation, this.#reason), { reason: this.#reason ?? 'aborted' });
    }
    clearTimeout(this.#timer);
    let details: ReloadDetails;
    try {
      details = this.steps.commit();
    } catch (error) {
      const failure = error instanceof HotswapError ? error : undefined;
      void this.#abort('commit-failed', failure);
      throw error;
    }
    this.#details = details;
    this.#state = 'committed';
    this.#settle('committed');
    return details;
  }

  async abort(): Promise<boolean> {
    if (this.#state !== 'prepared') {
      if (this.#unwound !== undefined) await this.#unwound;
      return false;
    }
    await this.#abort('aborted', undefined);
    return true;
  }

  /** Aborts because the swapper closes. @internal */
  close(): Promise<void> {
    return this.#state === 'prepared' ? this.#abort('closed', undefined) : (this.#unwound ?? Promise.resolve());
  }

  #abort(reason: AbortReason, error: HotswapError | undefined): Promise<void> {
    if (this.#state !== 'prepared') return this.#unwound ?? Promise.resolve();
    clearTimeout(this.#timer);
    this.#state = 'aborted';
    this.#reason = reason;
    this.#unwound = this.steps.abort(reason, error).finally(() => this.#settle('aborted'));
    return this.#unwound;
  }
}

export function abortMessage(generation: number, reason: AbortReason | undefined): string {
  const why =
    reason === 'timeout'
      ? 'it was neither committed nor aborted within its time limit (prepareTimeout)'
      : reason === 'closed'
        ? 'the swapper was closed'
        : reason === 'commit-failed'
          ? 'its commit failed'
          : 'it was aborted';
  return `the prepared reload to generation ${generation} was given up: ${why}. The serving generation keeps serving; prepare a new reload.`;
}
