import { asFailure, ErrorCodes, HotswapError, type Stage } from './errors.js';
import type { Census } from './census.js';
import type { Generation } from './generation.js';
import { HandleRegistry, type PluginHandle } from './handle.js';
import type { HookRunner } from './hooks.js';
import { coreNamespace } from './loader/core-namespace.js';
import type { ScanCache } from './loader/scan.js';
import { CORE_MODULE } from './meta.js';
import type { BagOf, ExtensionOf, FunctionsOf, HostTypes, PluginName } from './plugin.js';
import type { ReloadDetails } from './reload/details.js';
import type { ReloadCallback, ReloadInput } from './reload/input.js';
import { prepareReload, type StagedReload } from './reload/pipeline.js';
import { selectSources, type SourceSpec } from './reload/sources.js';
import { fieldsOf } from './logger.js';
import { eventOf, type Retirement } from './retire.js';
import { SafeEmitter, type SwapperEvents } from './swapper/events.js';
import { settle, timeoutOf, type LoadArgs, type PrepareOptions, type ReloadOptions, type Settings, type SwapperOptions } from './swapper/options.js';
import { abortMessage, Transaction, type PreparedReload } from './swapper/prepared.js';
import { checkSplit, type Canary, type CanaryOptions, type CanaryRun, type CanarySplit } from './canary/run.js';
import { holdCanary, startCanary, type CanaryHost, type PreparedCanary, type Staged } from './swapper/canary-start.js';
import { wire } from './swapper/wiring.js';
import { ReloadHistory } from './swapper/history.js';
import { metricsOf, type SwapperMetrics } from './swapper/metrics.js';
import { TaskQueue } from './swapper/queue.js';
import { ReloadRequests, type ReloadRequest } from './swapper/requests.js';
import { statusOf, type LastReload, type SwapperStatus } from './swapper/status.js';
import { Vault } from './vault.js';
import { teardownFailure } from './version/teardown.js';
import type { PluginVersion, TeardownStage } from './version/version.js';

export type { SwapperEvents, TeardownFailureEvent } from './swapper/events.js';
export type { LoadArgs, PrepareOptions, ReloadOptions, SwapperOptions } from './swapper/options.js';
export type { AbortReason, PreparedReload, PreparedState } from './swapper/prepared.js';
export type { Canary, CanaryDecider, CanaryOptions, CanaryOutcome, CanarySplit, CanaryState, CanaryStatus } from './canary/run.js';
export type { ReloadRequest } from './swapper/requests.js';
export type { LastReload, SwapperStatus } from './swapper/status.js';

export type { ReloadOutcomeKind, ReloadRecord, ReloadTotals } from './swapper/history.js';
export type { CanaryMetrics, CountedState, SwapperMetrics } from './swapper/metrics.js';

/**
 * What the host holds (Go's `PluginManagerSwapper`): it loads the plugins,
 * reloads them one reload at a time, and hands out the current generation.
 * A thin facade over the reload pipeline (`reload/`): it owns the queue,
 * the options, the events and the status.
 *
 * @example
 * const swapper = new Swapper<HelloContract>({ pluginDir: 'bin', shared: { '#g': g } })
 * await swapper.load({ greeting: 'hi' })
 * swapper.handle('world').invoke('hum', 3)
 */
export class Swapper<T extends HostTypes = HostTypes> extends SafeEmitter<SwapperEvents<T>> {
  #pluginDir: string;
  readonly #options: SwapperOptions<T>;
  readonly #settings: Settings;
  readonly #shared: Map<string, unknown>;
  readonly #bag: BagOf<T>;
  readonly #queue = new TaskQueue();
  readonly #requests = new ReloadRequests((rollback) => this.reload(rollback ? { rollback: true } : {}));
  readonly #census: Census;
  readonly #runner: HookRunner;
  readonly #retirement: Retirement;
  readonly #handles: HandleRegistry<T>;
  readonly #scanCache: ScanCache = new Map();
  #current: Generation<T> | undefined;
  /** The id of the last generation that served: the reload counter follows from it. */
  #lastServed = 0;
  #lastData: unknown;
  #lastReload: LastReload | undefined;
  readonly #history = new ReloadHistory();
  #closed = false;
  #prepared: Transaction | undefined;
  #canary: CanaryRun<T> | undefined;
  /** The generation serving when no canary runs, else undefined: the one check `current` makes on every call's path. */
  #serving: Generation<T> | undefined = undefined;
  /** The release the serving generation was read from, when its directory was a release. */
  #release: string | undefined;

  constructor(options: SwapperOptions<T>) {
    const settings = settle(options);
    super(() => settings.log);
    this.#settings = settings;
    this.#options = options;
    this.#pluginDir = options.pluginDir ?? '';
    this.#shared = new Map(Object.entries(options.shared ?? {}));
    this.#shared.set(CORE_MODULE, coreNamespace());
    this.#bag = options.bag ?? ({} as BagOf<T>);
    const wiring = wire<T>(settings, (event, ...args) => this.notify(event, ...args));
    this.#census = wiring.census;
    this.#runner = wiring.runner;
    this.#retirement = wiring.retirement;
    this.#handles = new HandleRegistry<T>(() => this.current);
  }

  /** A snapshot of every version from serving to collected, and of the last reload. */
  status(): SwapperStatus {
    return statusOf(this.#census, {
      generation: this.#current?.id,
      release: this.#current === undefined ? undefined : this.#release,
      reloadCount: this.reloadCounter,
      lastReload: this.#lastReload,
      history: this.#history.entries(),
      canary: this.#canary?.status(),
    });
  }

  /** The numbers the admin endpoint's `/metrics` exposes, as a plain object: reloads by outcome and duration, versions by state, calls in flight, leaks, collections. */
  metrics(): SwapperMetrics {
    return metricsOf(this.#census.snapshot(), this.#current?.id, this.#history.totals(), this.#canary?.status());
  }

  /**
   * The generation serving now. Throws `HOTSWAP_NOT_LOADED` before the first
   * load. While a canary runs, each read is one unit of work's pick: the
   * canary's generation with the canary's weight, else the baseline's.
   */
  get current(): Generation<T> {
    const serving = this.#serving;
    if (serving !== undefined) return serving;
    if (this.#canary !== undefined) return this.#canary.pick(undefined);
    if (this.#current === undefined && this.#closed) {
      throw new HotswapError(ErrorCodes.NOT_LOADED, 'the swapper is closed: its plugins were freed by close().');
    }
    if (this.#current === undefined) {
      throw new HotswapError(ErrorCodes.NOT_LOADED, 'no plugins are loaded yet. Call swapper.load(data) first.');
    }
    return this.#current;
  }

  /** After every change of `#current` or `#canary`. */
  #serve(): void {
    this.#serving = this.#canary === undefined ? this.#current : undefined;
  }

  /**
   * The generation for one unit of work (a request, a job) with this key: the
   * serving generation, or, while a canary split by key runs, the same side
   * for the same key every time. Keep it for the whole unit of work.
   */
  pick(key?: string): Generation<T> {
    return this.#canary !== undefined ? this.#canary.pick(key) : this.current;
  }

  /** The canary running now, if any. */
  get activeCanary(): Canary | undefined {
    return this.#canary;
  }

  /** How many reloads have succeeded since the first load (Go's `ReloadCounter`). */
  get reloadCounter(): number {
    return Math.max(0, this.#lastServed - 1);
  }

  /** Whether the plugins are statically linked: loaded from `staticPlugins`, never reloaded (Go's `StaticLinkingMode`). */
  get staticLinkingMode(): boolean {
    return this.#options.staticPlugins !== undefined;
  }

  /** The directory the next reload reads. */
  get pluginDir(): string {
    return this.#pluginDir;
  }

  /**
   * A typed handle on plugin `name` that always calls the version serving at
   * the time of the call: the name is checked against the contract, and the
   * functions are typed from it. The same name (without case) always gives
   * the same handle.
   */
  handle<N extends PluginName<T>>(name: N): PluginHandle<FunctionsOf<T, N>, N> {
    return this.#handles.get<FunctionsOf<T, N>, N>(name);
  }

  /** Points the next reload at another plugin directory (Go's `ResetPluginDir`). */
  resetPluginDir(dir: string): void {
    if (typeof dir !== 'string' || dir === '') {
      throw new HotswapError(ErrorCodes.INVALID_OPTION, 'resetPluginDir needs a non-empty directory path.');
    }
    this.#pluginDir = dir;
  }

  /**
   * Loads the plugins for the first time (Go's `LoadPlugins`), with the
   * data they see as `ctx.data`; without data where the contract's `data`
   * is optional or absent.
   */
  load(...[data]: LoadArgs<T>): Promise<ReloadDetails> {
    return this.#enqueue(async () => {
      if (this.#current !== undefined) {
        throw new HotswapError(ErrorCodes.ALREADY_LOADED, 'the plugins are already loaded. Call reload() instead.');
      }
      return this.#commitNow(await this.#prepare(data, {}, this.#settings.prepareTimeout));
    });
  }

  /**
   * Reads the plugin directory again and swaps in a new generation (Go's
   * `Reload`): `prepare()` then `commit()`. Reloads run one at a time: a
   * call made while another runs waits for it. Without `options.data` it
   * reloads with the data of the previous load or reload. On failure the
   * current generation keeps serving and the error is thrown.
   */
  reload(options: ReloadOptions<T> = {}): Promise<ReloadDetails> {
    return this.#enqueue(async () => this.#commitNow(await this.#prepare(this.#reloadData(options), options, this.#settings.prepareTimeout)));
  }

  /**
   * A reload with backpressure, as every trigger asks: at most one requested
   * reload waits behind the running one, and a request made while one waits
   * joins it (the same promise). The reload that answers a request starts
   * after it, so it reads every artifact written before it. Direct `reload()`
   * calls keep their own place in the queue (see `swapper/requests.ts`).
   */
  requestReload(request: ReloadRequest = {}): Promise<ReloadDetails> {
    return this.#requests.request(request);
  }

  /**
   * Runs a reload up to the swap (scan, evaluate, link, OnLoad, vault,
   * OnInit, callbacks) and holds it there, serving nothing, until its
   * `commit()` swaps it in or its `abort()` frees its versions. No other
   * reload runs meanwhile; one left undecided past `timeoutMs` (default
   * `prepareTimeout`) aborts itself. Rejects as `reload()` does when the
   * reload cannot be prepared.
   */
  prepare(options: PrepareOptions<T> = {}): Promise<PreparedReload> {
    return this.prepareFrom(undefined, options);
  }

  /**
   * `prepare()` of a cluster transaction: the swapper reads `dir` from the
   * moment the prepared reload starts, at the head of the queue, so a reload
   * queued before it still reads the directory it was asked of. One that is
   * no longer `wanted` when its turn comes (the cluster aborted meanwhile)
   * does not start: it rejects with `HOTSWAP_RELOAD_ABORTED`. @internal
   */
  prepareFrom(dir: string | undefined, options: PrepareOptions<T> = {}, wanted: () => boolean = () => true): Promise<PreparedReload> {
    return new Promise<PreparedReload>((resolve, reject) => {
      const timeout = timeoutOf(options.timeoutMs, this.#settings.prepareTimeout);
      this.#enqueue(async () => {
        if (!wanted()) throw notWanted();
        if (dir !== undefined) this.resetPluginDir(dir);
        const prepared = await this.#prepare(this.#reloadData(options), options, timeout);
        resolve(prepared);
        // The queue stays taken until the prepared reload is decided.
        await prepared.settled;
      }).catch(reject);
    });
  }

  /**
   * Reloads as a canary: prepared like any reload, then served beside the
   * current generation for a share of the work (`weight`, at random or by
   * key) until its rules promote it or roll it back, or the host does. Resolves
   * once the canary serves. No other reload runs until it is decided. A reload
   * that would hand a plugin's state over (takeState) is refused
   * (`HOTSWAP_CANARY_REFUSED`): two serving generations cannot share it.
   */
  canary(options: CanaryOptions & ReloadOptions<T>): Promise<Canary> {
    return new Promise<Canary>((resolve, reject) => {
      checkSplit(options);
      this.#enqueue(async () => {
        const run = await this.#startCanary(this.#reloadData(options), options);
        resolve(run);
        await run.settled;
      }).catch(reject);
    });
  }

  /**
   * A canary held at the swap, as `prepare()` holds a reload, for a cluster
   * transaction (`joinCluster`): its `commit()` starts the canary with no
   * judge of its own, since the coordinator judges every worker's counts
   * together and decides for all. The queue stays taken until the canary is
   * decided. With `dir` and `wanted`, as `prepareFrom`. @internal
   */
  prepareCanary(options: CanarySplit & PrepareOptions<T>, dir?: string, wanted: () => boolean = () => true): Promise<PreparedCanary<T>> {
    return new Promise<PreparedCanary<T>>((resolve, reject) => {
      checkSplit(options);
      const timeout = timeoutOf(options.timeoutMs, this.#settings.prepareTimeout);
      this.#enqueue(async () => {
        if (!wanted()) throw notWanted();
        if (dir !== undefined) this.resetPluginDir(dir);
        const data = this.#reloadData(options);
        const held = await holdCanary(this.#canaryHost, await this.#stage(data, options), data, options, timeout);
        this.#track(held.prepared);
        resolve(held);
        if ((await held.prepared.settled) === 'committed') await held.run()?.settled;
      }).catch(reject);
    });
  }

  /**
   * Retires the current generation and waits until every retired version has
   * had its OnFree: free delays are cut short, but calls still running are
   * waited for (up to `maxFreeWait`). A prepared reload is aborted. Call it
   * when the host shuts down; the swapper cannot load or reload afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.settled();
    this.#canary?.close();
    const prepared = this.#prepared?.close();
    await this.#enqueue(() => {
      this.#closed = true;
      this.#retirement.hurry();
      const last = this.#current;
      this.#current = undefined;
      this.#serve();
      this.#handles.invalidate();
      if (last !== undefined) this.#retirement.retire(last.versions, { ...this.#timing(), freeDelay: 0 });
    });
    await prepared;
    await this.settled();
  }

  /** Resolves when every version retired so far has had its OnFree. */
  settled(): Promise<void> {
    return this.#retirement.settled();
  }

  #enqueue<R>(task: () => R | Promise<R>): Promise<R> {
    return this.#queue.push(task, () => {
      if (this.#closed) throw new HotswapError(ErrorCodes.NOT_LOADED, 'the swapper is closed.');
    });
  }

  /** The data of a reload, after checking that one may run. */
  #reloadData(options: ReloadOptions<T>): unknown {
    if (this.staticLinkingMode) {
      throw new HotswapError(
        ErrorCodes.STATIC_RELOAD,
        'the plugins are statically linked into the host and cannot be reloaded. Run the host with plugin artifacts (pluginDir) to reload.',
        { stage: 'scan' },
      );
    }
    if (this.#current === undefined) {
      throw new HotswapError(ErrorCodes.NOT_LOADED, 'reload() was called before load(). Call swapper.load(data) first.');
    }
    return 'data' in options ? options.data : this.#lastData;
  }

  /** Commits a reload prepared a moment ago; on failure, waits for the unwinding and throws. */
  async #commitNow(prepared: Transaction): Promise<ReloadDetails> {
    try {
      return prepared.commit();
    } catch (error) {
      await prepared.settled;
      throw error;
    }
  }

  /** Runs a reload up to the swap; on failure records it and throws. */
  async #stage(data: unknown, options: ReloadOptions<T>): Promise<Staged<T>> {
    const started = performance.now();
    const previous = this.#current;
    const id = previous === undefined ? 1 : previous.id + 1;
    this.notify('reload:start', { generation: id });
    try {
      const selected = await selectSources(this.#sourceSpec());
      const staged = await prepareReload(this.#input(id, previous, data, options), selected.sources);
      return { staged, id, previous, started, release: selected.release };
    } catch (error) {
      throw this.#failed(error, previous, id, started);
    }
  }

  async #startCanary(data: unknown, options: CanaryOptions & ReloadOptions<T>): Promise<CanaryRun<T>> {
    return startCanary(this.#canaryHost, await this.#stage(data, options), data, options);
  }

  /** What `swapper/canary-start.ts` needs of this swapper to start, promote and roll back a canary. */
  get #canaryHost(): CanaryHost<T> {
    return {
      log: this.#settings.log,
      handles: this.#handles,
      retirement: this.#retirement,
      notify: (event, ...args) => this.notify(event, ...args),
      timing: () => this.#timing(),
      install: (run, serving) => {
        this.#canary = run;
        if (serving !== undefined) this.#current = serving;
        this.#serve();
      },
      committed: ({ id, staged, started, release }, data) => this.#committed(id, data, staged, started, release),
      failed: (error, { previous, id, started }) => this.#failed(error, previous, id, started),
    };
  }

  async #prepare(data: unknown, options: ReloadOptions<T>, timeoutMs: number): Promise<Transaction> {
    const { staged, id, previous, started, release } = await this.#stage(data, options);
    const prepared = new Transaction(id, staged.details, release, timeoutMs, {
      commit: () => {
        try {
          // The swap, in the same tick as the handoff: from here on every new call reaches the new generation.
          staged.commit((generation) => {
            this.#current = generation;
            this.#serve();
            this.#handles.invalidate();
          });
        } catch (error) {
          throw asFailure(error);
        }
        return this.#committed(id, data, staged, started, release);
      },
      abort: async (reason, error) => {
        await staged.abort();
        this.#failed(error ?? new HotswapError(ErrorCodes.RELOAD_ABORTED, abortMessage(id, reason), { reason }), previous, id, started);
      },
    });
    this.#track(prepared);
    return prepared;
  }

  /** Keeps the prepared reload until it is decided, for `close()` to abort. */
  #track(prepared: Transaction): void {
    this.#prepared = prepared;
    void prepared.settled.then(() => {
      if (this.#prepared === prepared) this.#prepared = undefined;
    });
  }

  /** Everything after the swap; nothing here may fail the reload: listeners' errors are logged, not thrown. */
  #committed(id: number, data: unknown, staged: StagedReload<T>, started: number, release: string | undefined): ReloadDetails {
    this.#lastData = data;
    this.#lastServed = id;
    this.#release = release;
    const details: ReloadDetails = {
      generation: id,
      ...(release === undefined ? {} : { release }),
      plugins: staged.details,
      durationMs: performance.now() - started,
    };
    this.#lastReload = { ok: true, at: Date.now(), details };
    this.#history.succeeded(id === 1 ? 'load' : 'reload', details);
    this.#settings.log.info(
      { generation: id, stage: 'reload', release, durationMs: details.durationMs, plugins: details.plugins.map((p) => ({ plugin: p.name, version: p.version, build: p.buildStamp, status: p.status })) },
      `generation ${id} serving${release === undefined ? '' : ` release ${release}`}: ${details.plugins.map((p) => `${p.name}@${p.version} ${p.status}`).join(', ')}`,
    );
    for (const p of staged.details) {
      if (p.status === 'loaded' || p.status === 're-linked') {
        this.notify('version:load', { plugin: p.name, version: p.version, buildStamp: p.buildStamp });
      }
    }
    this.notify('reload:success', details, staged.generation);
    this.#retirement.retire(staged.retired, this.#timing());
    return details;
  }

  #failed(error: unknown, previous: Generation<T> | undefined, id: number, started: number): HotswapError {
    const failure = asFailure(error);
    const where: { plugin?: string; stage?: Stage } = {};
    if (failure.plugin !== undefined) where.plugin = failure.plugin;
    if (failure.stage !== undefined) where.stage = failure.stage;
    this.#lastReload = { ok: false, at: Date.now(), code: failure.code, message: failure.message, ...where };
    this.#history.failed(previous === undefined ? 'load' : 'reload', id, performance.now() - started, failure);
    this.#settings.log.error(
      { generation: previous?.id, stage: failure.stage ?? 'reload', plugin: failure.plugin, code: failure.code },
      `reload failed, generation ${previous?.id ?? 'none'} keeps serving: ${failure.message}`,
    );
    this.notify('reload:failure', failure);
    return failure;
  }

  #input(id: number, previous: Generation<T> | undefined, data: unknown, options: ReloadOptions<T>): ReloadInput<T> {
    return {
      id,
      previous,
      data,
      shared: this.#shared,
      makeVault: () => new Vault<T>(this.#options.extension?.() as ExtensionOf<T>, this.#bag),
      runner: this.#runner,
      log: this.#settings.log,
      callbacks: [this.#options.reloadCallback, options.callback].filter((c): c is ReloadCallback<T> => c !== undefined),
      census: this.#census,
      refuseOlder: this.#settings.publicKey !== undefined && options.rollback !== true,
      onTeardownFailure: (version, stage, error) => this.#teardownFailed(version, stage, error),
    };
  }

  #teardownFailed(version: PluginVersion, stage: TeardownStage | 'onFree', error: unknown): void {
    const failure = teardownFailure(version, stage, error);
    this.#settings.log.error({ ...fieldsOf(version), stage, code: failure.code }, `plugin "${version.name}" ${version.version} (build ${version.buildStamp}), ${stage}: ${failure.message}`);
    this.notify('version:teardown-failure', { ...eventOf(version), stage, error: failure });
  }


  #sourceSpec(): SourceSpec {
    const { staticPlugins, whitelist } = this.#options;
    if (staticPlugins !== undefined) return { kind: 'static', plugins: staticPlugins, whitelist };
    const options = {
      publicKey: this.#settings.publicKey,
      allowInsecureDir: this.#options.allowInsecurePluginDir,
      maxArtifactBytes: this.#options.maxArtifactBytes,
    };
    return { kind: 'dir', dir: this.#pluginDir, whitelist, options, cache: this.#scanCache };
  }

  #timing(): { freeDelay: number; maxFreeWait: number } {
    return { freeDelay: this.#settings.freeDelay, maxFreeWait: this.#settings.maxFreeWait };
  }
}

/** A cluster's prepared reload whose turn came after the cluster gave it up. */
function notWanted(): HotswapError {
  return new HotswapError(ErrorCodes.RELOAD_ABORTED, 'the cluster reload was aborted before this worker began to prepare it; nothing was read or run.', { reason: 'aborted' });
}
