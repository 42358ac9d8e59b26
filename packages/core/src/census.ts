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
  freedAt?: number;
  /** Only while serving or retiring: a freed version must not be held. */
  live?: PluginVersion;
}

const HISTORY = 100;

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
  #next = 0;
  readonly #due = new Map<number, number>();
  /** The ids of collected versions still in the snapshot, oldest first. */
  readonly #history: number[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly leakTimeout: number | false,
    private readonly onCollected: (status: VersionStatus) => void,
    private readonly onLeak: (event: LeakEvent) => void,
  ) {
    this.#registry = new FinalizationRegistry((id) => this.#finalized(id));
  }

  /** Starts tracking a freshly evaluated version; `owner` lives as long as its code and data. */
  add(version: PluginVersion, owner: object): void {
    const id = ++this.#next;
    this.#records.set(id, {
      plugin: version.name,
      version: version.version,
      buildStamp: version.buildStamp,
      state: 'loading',
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
    record.state = 'freed';
    record.freedAt = Date.now();
    delete record.live;
    if (this.leakTimeout === false) return;
    this.#due.set(id, Date.now() + this.leakTimeout);
    this.#schedule();
  }

  // One timer and, where gc is exposed, one collection for every check that is due, not one each.
  #schedule(): void {
    if (this.#timer !== undefined || this.#due.size === 0) return;
    let next = Infinity;
    for (const at of this.#due.values()) if (at < next) next = at;
    this.#timer = setTimeout(() => void this.#checkDue(), Math.max(0, next - Date.now()));
    this.#timer.unref();
  }

  async #checkDue(): Promise<void> {
    this.#timer = undefined;
    const now = Date.now();
    const due = [...this.#due].filter(([, at]) => at <= now).map(([id]) => id);
    for (const id of due) this.#due.delete(id);
    if (due.length > 0) await this.#check(due);
    this.#schedule();
  }

  /** Every tracked version, oldest first, with the last {@link HISTORY} collected ones. */
  snapshot(): { versions: VersionStatus[]; collected: number } {
    const versions = [...this.#records.values()].map((r) => ({
      plugin: r.plugin,
      version: r.version,
      buildStamp: r.buildStamp,
      state: r.state,
      ...(r.live === undefined ? {} : { inflight: r.live.inflight }),
      ...(r.freedAt === undefined ? {} : { freedAt: r.freedAt }),
    }));
    return { versions, collected: this.#collected };
  }

  async #check(ids: readonly number[]): Promise<void> {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc !== undefined) {
      // Where the host runs with --expose-gc, collect first so only real leaks are reported.
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const id of ids) this.#report(id);
  }

  #report(id: number): void {
    const record = this.#records.get(id);
    if (record?.state !== 'freed') return;
    record.state = 'leaked';
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
    delete record.live;
    this.#collected++;
    this.onCollected({ plugin: record.plugin, version: record.version, buildStamp: record.buildStamp, state: 'collected' });
    // Keep a bounded history of collected versions: constant work per collection, however many there are.
    this.#history.push(id);
    while (this.#history.length > HISTORY) this.#records.delete(this.#history.shift()!);
  }
}
