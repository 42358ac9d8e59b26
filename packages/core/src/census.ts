import { onFullCollection } from './full-collections.js';
import type { Logger } from './logger.js';
import type { PluginVersion, VersionState } from './version/version.js';

/** Where a version is, as the status snapshot reports it. */
export type CensusState = 'loading' | 'serving' | 'retiring' | 'freed' | 'collected' | 'leaked';

/** One version in the status snapshot. */
export interface VersionStatus {
  plugin: string;
  version: string;
  buildStamp: string;
  state: CensusState;
  /** Calls in flight (loading, serving and retiring versions only). */
  inflight?: number;
  /** When OnFree ran, ms since the epoch. */
  freedAt?: number;
}

/** A version that a leak check found alive, as the `version:leak` event reports it. */
export interface LeakEvent {
  plugin: string;
  version: string;
  buildStamp: string;
  /** Milliseconds since its OnFree. */
  sinceFreeMs: number;
}

interface Record_ {
  plugin: string;
  version: string;
  buildStamp: string;
  state: CensusState;
  freedAt: number | undefined;
  /** How many full collections the census had seen when the version was freed. */
  fullAtFree: number;
  /** Only while serving or retiring: a freed version must not be held. */
  live: PluginVersion | undefined;
}

const HISTORY = 100;
/**
 * Without --expose-gc, the full collections a version must outlive before a
 * check may report it: the first may have started marking before its OnFree
 * (and so found it reachable), the second cannot have.
 */
const FULL_COLLECTIONS = 2;

/**
 * Keeps track of every version from load to garbage collection without
 * keeping any of them alive once freed. Collection is seen through a
 * finalizer on an object that lives exactly as long as the version's own
 * code and data (see loader/evaluate.ts), not on anything the framework holds.
 */
export class Census {
  readonly #records = new Map<number, Record_>();
  readonly #ids = new WeakMap<PluginVersion, number>();
  readonly #registry: FinalizationRegistry<number>;
  #collected = 0;
  #leaks = 0;
  #next = 0;
  /**
   * The ids of freed versions to check, in the order they come due: each is
   * due `leakTimeout` after its `freedAt`, the same wait for every one. Only
   * ids, so that a thousand reloads between checks cost a few kilobytes.
   */
  readonly #due: number[] = [];
  #dueHead = 0;
  /** The ids of collected versions still in the snapshot, oldest first. */
  readonly #history: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** When the last check ran (ms since the epoch): checks run at most once per `checkInterval`. */
  #lastCheck = -Infinity;
  readonly #checkInterval: number;
  /** Full collections seen while versions wait for their check (see full-collections.ts). */
  #full = 0;
  #stopCounting: (() => void) | undefined;

  /**
   * @param checkInterval the shortest time between two leak checks: checks
   *   that come due sooner wait and are made together, after one forced full
   *   collection at most (where gc is exposed). Defaults to `leakTimeout`.
   */
  constructor(
    private readonly log: Logger,
    private readonly leakTimeout: number | false,
    private readonly onCollected: (status: VersionStatus) => void,
    private readonly onLeak: (event: LeakEvent) => void,
    checkInterval?: number,
  ) {
    this.#registry = new FinalizationRegistry((id) => this.#finalized(id));
    this.#checkInterval = checkInterval ?? (leakTimeout === false ? 0 : leakTimeout);
  }

  /** Starts tracking a freshly evaluated version; `owner` lives as long as its code and data. */
  add(version: PluginVersion, owner: object): void {
    const id = ++this.#next;
    this.#records.set(id, {
      plugin: version.name,
      version: version.version,
      buildStamp: version.buildStamp,
      state: 'loading',
      freedAt: undefined,
      fullAtFree: 0,
      live: version,
    });
    this.#ids.set(version, id);
    this.#registry.register(owner, id);
  }

  /** {@link moved}, bound: what each version's lifecycle reports to. A closure made here holds nothing of a reload. */
  readonly observe = (version: PluginVersion, to: VersionState): void => this.moved(version, to);

  /**
   * Follows a version's move (the version's lifecycle reports every one).
   * Once it is freed or discarded the census drops it and, if `leakTimeout`
   * is set, checks after that long that it was collected.
   */
  moved(version: PluginVersion, to: VersionState): void {
    const id = this.#ids.get(version);
    const record = id === undefined ? undefined : this.#records.get(id);
    if (id === undefined || record === undefined || record.state === 'collected') return;
    if (to === 'serving' || to === 'retiring') {
      record.state = to;
      return;
    }
    if (to !== 'freed' && to !== 'discarded') return;
    const now = Date.now();
    record.state = 'freed';
    record.freedAt = now;
    record.live = undefined;
    if (this.leakTimeout === false) return;
    this.#stopCounting ??= onFullCollection(this.#counted);
    record.fullAtFree = this.#full;
    this.#due.push(id);
    this.#schedule();
  }

  readonly #counted = (): void => {
    this.#full++;
    // A version due but waiting for the collector may be judged now.
    this.#schedule();
  };

  // One timer for every check to come, not one each; it fires when the oldest
  // is due, and no sooner than `checkInterval` after the last check. Without
  // --expose-gc, a version the collector has not had its full collections to
  // free yet waits for them (no timer: the next full collection schedules).
  #schedule(): void {
    if (this.#timer !== undefined) return;
    const head = this.#nextDue();
    if (head === undefined) {
      this.#stopCounting?.();
      this.#stopCounting = undefined;
      return;
    }
    if (!this.#judgeable(head)) return;
    const at = Math.max(this.#dueAt(head), this.#lastCheck + this.#checkInterval);
    this.#timer = setTimeout(() => void this.#checkDue(), Math.min(2 ** 31 - 1, Math.max(0, at - Date.now())));
    this.#timer.unref();
  }

  /** Whether a check may say of this freed version that something pins it. */
  #judgeable(record: Record_): boolean {
    return exposedGc() !== undefined || this.#full - record.fullAtFree >= FULL_COLLECTIONS;
  }

  /** When a freed version's check comes due, ms since the epoch. */
  #dueAt(record: Record_): number {
    return this.leakTimeout === false ? Infinity : (record.freedAt ?? Infinity) + this.leakTimeout;
  }

  async #checkDue(): Promise<void> {
    const now = Date.now();
    const due: number[] = [];
    for (let head = this.#nextDue(); head !== undefined && this.#dueAt(head) <= now && this.#judgeable(head); head = this.#nextDue()) {
      due.push(this.#due[this.#dueHead++]!);
    }
    if (this.#dueHead > 1024 && this.#dueHead * 2 > this.#due.length) {
      this.#due.splice(0, this.#dueHead);
      this.#dueHead = 0;
    }
    if (due.length > 0) {
      this.#lastCheck = now;
      await this.#check(due);
    }
    this.#timer = undefined;
    this.#schedule();
  }

  /**
   * The first version still waiting for its check; the versions before it
   * that were collected meanwhile need no look, and are dropped.
   */
  #nextDue(): Record_ | undefined {
    while (this.#dueHead < this.#due.length) {
      const record = this.#records.get(this.#due[this.#dueHead]!);
      if (record?.state === 'freed' && record.freedAt !== undefined && this.leakTimeout !== false) return record;
      this.#dueHead++;
    }
    return undefined;
  }

  /** Every tracked version, oldest first, with the last {@link HISTORY} collected ones. */
  snapshot(): { versions: VersionStatus[]; collected: number; leaks: number } {
    const versions = [...this.#records.values()].map((r) => ({
      plugin: r.plugin,
      version: r.version,
      buildStamp: r.buildStamp,
      state: r.state,
      ...(r.live === undefined ? {} : { inflight: r.live.inflight }),
      ...(r.freedAt === undefined ? {} : { freedAt: r.freedAt }),
    }));
    return { versions, collected: this.#collected, leaks: this.#leaks };
  }

  async #check(ids: readonly number[]): Promise<void> {
    // Where the host runs with --expose-gc, collect first (once for every
    // check made together) so only real leaks are reported; without it, the
    // versions checked have outlived full collections of the collector's own.
    exposedGc()?.();
    // Finalizers run in tasks of their own after a collection: give them a few turns before judging.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    for (const id of ids) this.#report(id);
  }

  #report(id: number): void {
    const record = this.#records.get(id);
    if (record?.state !== 'freed') return;
    record.state = 'leaked';
    this.#leaks++;
    const event: LeakEvent = {
      plugin: record.plugin,
      version: record.version,
      buildStamp: record.buildStamp,
      sinceFreeMs: Date.now() - (record.freedAt ?? Date.now()),
    };
    this.log.warn(
      { plugin: event.plugin, version: event.version, build: event.buildStamp, stage: 'leak', sinceFreeMs: event.sinceFreeMs },
      `plugin "${event.plugin}" ${event.version} (build ${event.buildStamp}) is still in memory ${event.sinceFreeMs} ms after its OnFree: ` +
        'something keeps it alive — a timer or interval it never cleared, a listener on a host object, or a host reference to its functions or generation.',
    );
    this.onLeak(event);
  }

  #finalized(id: number): void {
    const record = this.#records.get(id);
    if (record === undefined) return;
    record.state = 'collected';
    record.live = undefined;
    this.#collected++;
    this.onCollected({ plugin: record.plugin, version: record.version, buildStamp: record.buildStamp, state: 'collected' });
    // Keep a bounded history of collected versions: constant work per collection, however many there are.
    this.#history.push(id);
    while (this.#history.length > HISTORY) this.#records.delete(this.#history.shift()!);
  }
}

function exposedGc(): (() => void) | undefined {
  return (globalThis as { gc?: () => void }).gc;
}
