import { ErrorCodes, type HotswapError, type Stage } from '../errors.js';
import type { PluginDetail, ReloadDetails } from '../reload/details.js';

/** How a load or reload ended: swapped in, failed, or prepared and then aborted. */
export type ReloadOutcomeKind = 'success' | 'failure' | 'aborted';

/** One load or reload in the swapper's recent history (`status().history`). */
export interface ReloadRecord {
  /** The generation it made, or would have made. */
  generation: number;
  /** `load` for the first load, `reload` for every later one. */
  kind: 'load' | 'reload';
  outcome: ReloadOutcomeKind;
  /** When it ended, ms since the epoch. */
  at: number;
  /** Milliseconds from its start to the swap, or to its failure. */
  durationMs: number;
  /**
   * What it did with each plugin it changed (loaded, re-linked, removed,
   * …), with their timings (a success only). Plugins it left `unchanged` are
   * only counted, so that a host of a thousand plugins keeps a small history.
   */
  plugins?: PluginDetail[];
  /** How many plugins it left unchanged (a success only). */
  unchanged?: number;
  /** Why it failed or was aborted. */
  error?: { code: string; message: string; plugin?: string; stage?: Stage };
}

/** The upper bounds, in seconds, of the reload duration histogram's buckets (`+Inf` is implied). */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The reloads counted since the swapper was made (the first load is not a reload). */
export interface ReloadTotals {
  /** Reloads by outcome. */
  count: Record<ReloadOutcomeKind, number>;
  /** The durations of every reload, as a histogram in seconds. */
  duration: {
    /** Per upper bound (`le`, seconds), how many reloads took at most that long; cumulative, as Prometheus counts. */
    buckets: Array<{ le: number; count: number }>;
    /** Seconds in all. */
    sum: number;
    count: number;
  };
}

/** How many reloads the history keeps. */
export const HISTORY_SIZE = 50;

/** A bounded ring of the recent loads and reloads, and counters of every reload ever. @internal */
export class ReloadHistory {
  readonly #records: ReloadRecord[] = [];
  readonly #count: Record<ReloadOutcomeKind, number> = { success: 0, failure: 0, aborted: 0 };
  readonly #buckets: number[] = DURATION_BUCKETS.map(() => 0);
  #sum = 0;
  #observed = 0;

  succeeded(kind: ReloadRecord['kind'], details: ReloadDetails): void {
    const plugins = details.plugins.filter((p) => p.status !== 'unchanged');
    const unchanged = details.plugins.length - plugins.length;
    this.#add({ generation: details.generation, kind, outcome: 'success', at: Date.now(), durationMs: details.durationMs, plugins, unchanged });
  }

  failed(kind: ReloadRecord['kind'], generation: number, durationMs: number, failure: HotswapError): void {
    const error: NonNullable<ReloadRecord['error']> = { code: failure.code, message: failure.message };
    if (failure.plugin !== undefined) error.plugin = failure.plugin;
    if (failure.stage !== undefined) error.stage = failure.stage;
    const outcome = failure.code === ErrorCodes.RELOAD_ABORTED ? 'aborted' : 'failure';
    this.#add({ generation, kind, outcome, at: Date.now(), durationMs, error });
  }

  /** The recent loads and reloads, oldest first. */
  entries(): ReloadRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }

  totals(): ReloadTotals {
    return {
      count: { ...this.#count },
      duration: {
        buckets: DURATION_BUCKETS.map((le, i) => ({ le, count: this.#buckets[i]! })),
        sum: this.#sum,
        count: this.#observed,
      },
    };
  }

  #add(record: ReloadRecord): void {
    this.#records.push(record);
    if (this.#records.length > HISTORY_SIZE) this.#records.shift();
    if (record.kind === 'load') return;
    this.#count[record.outcome]++;
    const seconds = record.durationMs / 1000;
    this.#sum += seconds;
    this.#observed++;
    DURATION_BUCKETS.forEach((le, i) => {
      if (seconds <= le) this.#buckets[i]!++;
    });
  }
}
