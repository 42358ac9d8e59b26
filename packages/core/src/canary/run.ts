import { ErrorCodes, HotswapError } from '../errors.js';
import type { Generation } from '../generation.js';
import type { Contract } from '../plugin.js';
import type { ReloadDetails } from '../reload/details.js';
import { MeteredGeneration, type MeterSwitch } from './metered.js';
import { Meter, snapshotOf, type MeterCounts, type MeterSnapshot } from './meter.js';
import { judge, settleRules, type CanaryRules, type CanaryVerdict, type SettledRules } from './rules.js';

/** How a canary splits the work: a share of the units of work at random, or by a key. */
export interface CanarySplit {
  /** The share of the work the canary serves, above 0 and below 1 (0.1 = one in ten). */
  weight: number;
  /**
   * `random` (default): each unit of work (`swapper.current`, `swapper.pick()`)
   * goes to the canary with probability `weight`. `key`: `swapper.pick(key)`
   * sends a key always to the same side for the whole canary (a user, a
   * tenant); work picked without a key is split at random.
   */
  by?: 'random' | 'key';
}

/** What `swapper.canary()` takes: the split, the rules, and a reload's own options. */
export interface CanaryOptions extends CanarySplit {
  /** When it is promoted or rolled back on its own. */
  rules?: CanaryRules;
}

/** Where a canary stands. */
export type CanaryState = 'running' | 'promoted' | 'rolled-back';

/** Who decided: the rules, the host (`promote()` / `rollback()`), or `close()`. */
export type CanaryDecider = 'rules' | 'manual' | 'closed';

/** A canary as the status shows it. */
export interface CanaryStatus {
  state: CanaryState;
  /** The canary's generation id. */
  generation: number;
  /** The id of the generation serving beside it. */
  baseline: number;
  weight: number;
  by: 'random' | 'key';
  /** `Date.now()` when it started. */
  startedAt: number;
  elapsedMs: number;
  /** What each side did since the canary started. */
  counts: { canary: MeterSnapshot; baseline: MeterSnapshot };
  /** What the rules say now (or said, once decided). */
  verdict: CanaryVerdict;
  /** Who decided, once decided. */
  decidedBy?: CanaryDecider;
}

/** How a canary ended. */
export interface CanaryOutcome {
  state: 'promoted' | 'rolled-back';
  decidedBy: CanaryDecider;
  /** Why, in words: the rules' reasons, or the host's. */
  reasons: string[];
  /** The final status, counts included. */
  status: CanaryStatus;
  /** The reload's details, once promoted. */
  details?: ReloadDetails;
}

/**
 * A reload that serves a share of the work beside the generation it would
 * replace (`swapper.canary()`), until its rules, or the host, promote it or
 * roll it back. No other reload runs meanwhile.
 */
export interface Canary {
  readonly generation: number;
  readonly baseline: number;
  readonly state: CanaryState;
  /** The counts and the verdict as it forms. */
  status(): CanaryStatus;
  /** Makes the canary the only serving generation now; the baseline's replaced versions retire. Returns the reload's details. */
  promote(): ReloadDetails;
  /**
   * Gives the canary up now: the baseline serves everything again, the
   * canary's versions retire and get OnFree. Throws `HOTSWAP_CANARY_DECIDED`
   * once the canary is decided, as `promote()` does.
   */
  rollback(reason?: string): void;
  /** Settles with the outcome once the canary is promoted or rolled back. */
  readonly settled: Promise<CanaryOutcome>;
}

/** What a {@link CanaryRun} asks of the swapper. @internal */
export interface CanarySteps {
  promote(): ReloadDetails;
  rollback(reasons: readonly string[]): void;
}

/** The one implementation of {@link Canary}. @internal */
export class CanaryRun<T extends Contract = Contract> implements Canary {
  readonly generation: number;
  readonly baseline: number;
  readonly startedAt = Date.now();
  readonly settled: Promise<CanaryOutcome>;
  readonly #began = performance.now();
  readonly #weight: number;
  readonly #by: 'random' | 'key';
  readonly #rules: SettledRules;
  readonly #counting: MeterSwitch = { on: true };
  readonly #meters = { canary: new Meter(), baseline: new Meter() };
  readonly #views: { canary: MeteredGeneration<T>; baseline: MeteredGeneration<T> };
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #steps: CanarySteps;
  readonly #salt: number;
  #state: CanaryState = 'running';
  #final: CanaryStatus | undefined;
  #settle: (outcome: CanaryOutcome) => void = () => undefined;

  constructor(canary: Generation<T>, baseline: Generation<T>, options: CanaryOptions, steps: CanarySteps) {
    checkSplit(options);
    this.generation = canary.id;
    this.baseline = baseline.id;
    this.#weight = options.weight;
    this.#by = options.by ?? 'random';
    this.#rules = settleRules(options.rules);
    this.#steps = steps;
    this.#salt = canary.id;
    this.#views = {
      canary: new MeteredGeneration(canary, this.#meters.canary, this.#counting),
      baseline: new MeteredGeneration(baseline, this.#meters.baseline, this.#counting),
    };
    this.settled = new Promise((resolve) => (this.#settle = resolve));
    if (this.#rules.auto || this.#rules.maxDurationMs !== undefined) {
      this.#timer = setInterval(() => this.#check(), this.#rules.checkIntervalMs);
      this.#timer.unref();
    }
  }

  get state(): CanaryState {
    return this.#state;
  }

  /** The generation a unit of work gets: by key when the split is by key and a key is given, else at random. */
  pick(key: string | undefined): Generation<T> {
    const toCanary = key !== undefined && this.#by === 'key' ? hashShare(key, this.#salt) < this.#weight : Math.random() < this.#weight;
    return toCanary ? this.#views.canary : this.#views.baseline;
  }

  /** Counts added up, for a judge that sees several processes. */
  counts(): { canary: MeterCounts; baseline: MeterCounts } {
    return { canary: this.#meters.canary.counts(), baseline: this.#meters.baseline.counts() };
  }

  status(): CanaryStatus {
    if (this.#final !== undefined) return this.#final;
    const counts = this.counts();
    const elapsedMs = performance.now() - this.#began;
    return {
      state: this.#state,
      generation: this.generation,
      baseline: this.baseline,
      weight: this.#weight,
      by: this.#by,
      startedAt: this.startedAt,
      elapsedMs,
      counts: { canary: snapshotOf(counts.canary), baseline: snapshotOf(counts.baseline) },
      verdict: judge(counts.canary, counts.baseline, elapsedMs, this.#rules),
    };
  }

  promote(): ReloadDetails {
    return this.#promote('manual', ['promoted by the host']);
  }

  rollback(reason = 'rolled back by the host'): void {
    // As promote(), and as a cluster canary's: a canary already decided says so, and a caller never believes
    // it rolled back a canary that was promoted.
    this.#running('roll back');
    this.#rollback('manual', [reason]);
  }

  /**
   * Decides for a judge outside this process (a cluster's coordinator, which
   * judges every worker's counts together), in the judge's name. A canary
   * already decided is left as it is. @internal
   */
  decide(verdict: 'promote' | 'rollback', by: CanaryDecider, reasons: string[]): void {
    if (this.#state !== 'running') return;
    if (verdict === 'promote') this.#promote(by, reasons);
    else this.#rollback(by, reasons);
  }

  /** Rolls back because the swapper closes. @internal */
  close(): void {
    this.#rollback('closed', ['the swapper was closed']);
  }

  #check(): void {
    if (this.#state !== 'running') return;
    const status = this.status();
    const { verdict, reasons } = status.verdict;
    const max = this.#rules.maxDurationMs;
    if (!this.#rules.auto) {
      if (max !== undefined && status.elapsedMs >= max) this.#rollback('rules', [`not decided within maxDurationMs (${max} ms)`]);
      return;
    }
    if (verdict === 'rollback') this.#rollback('rules', reasons);
    else if (verdict === 'promote') this.#promote('rules', reasons);
  }

  #promote(by: CanaryDecider, reasons: string[]): ReloadDetails {
    this.#running('promote');
    const status = this.#finish('promoted', by);
    const details = this.#steps.promote();
    this.#settle({ state: 'promoted', decidedBy: by, reasons, status, details });
    return details;
  }

  #rollback(by: CanaryDecider, reasons: string[]): void {
    if (this.#state !== 'running') return;
    const status = this.#finish('rolled-back', by);
    this.#steps.rollback(reasons);
    this.#settle({ state: 'rolled-back', decidedBy: by, reasons, status });
  }

  #running(what: string): void {
    if (this.#state !== 'running') {
      throw new HotswapError(
        ErrorCodes.CANARY_DECIDED,
        `the canary of generation ${this.generation} was already ${this.#state}; it cannot ${what} now.`,
        { state: this.#state },
      );
    }
  }

  #finish(state: 'promoted' | 'rolled-back', by: CanaryDecider): CanaryStatus {
    const last = this.status();
    this.#state = state;
    this.#counting.on = false;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#final = { ...last, state, decidedBy: by };
    return this.#final;
  }
}

/** Checks a canary's split (HOTSWAP_INVALID_OPTION). @internal */
export function checkSplit(options: CanaryOptions): void {
  const { weight, by } = options;
  if (typeof weight !== 'number' || !(weight > 0 && weight < 1)) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `a canary's \`weight\` must be above 0 and below 1 (0.1 sends one unit of work in ten to it); got ${String(weight)}.`);
  }
  if (by !== undefined && by !== 'random' && by !== 'key') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `a canary's \`by\` must be 'random' or 'key'; got ${String(by)}.`);
  }
  settleRules(options.rules);
}

/** A key's place in [0, 1): FNV-1a of the key, salted with the canary, so each canary picks its own share of keys. */
function hashShare(key: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // The murmur3 finish, so that keys alike ('user-1', 'user-2') spread evenly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
