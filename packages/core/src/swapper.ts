import { createPublicKey, KeyObject } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { describe, ErrorCodes, HotswapError, isHotswapError } from './errors.js';
import type { Generation } from './generation.js';
import { evaluateArtifact } from './loader/evaluate.js';
import { compareNames, scanPluginDir, type ScanCache, type Trust } from './loader/scan.js';
import { fromArtifact, fromStatic, type Loadable, type StaticPlugin } from './loader/static.js';
import { consoleLogger, silentLogger, type Logger } from './logger.js';
import { coreNamespace } from './loader/core-namespace.js';
import { CORE_MODULE } from './meta.js';
import { Census, type LeakEvent, type VersionStatus } from './census.js';
import { makeHandle, type HandleCache, type PluginHandle } from './handle.js';
import type { BagOf, DataOf, ExtensionOf, FunctionTable, HostTypes } from './plugin.js';
import { prepareReload, type HookEvent, type PreparedReload, type ReloadCallback, type ReloadDetails } from './reload.js';
import { eventOf, retire, type VersionEvent } from './retire.js';
import { Vault } from './vault.js';
import type { PluginVersion } from './version.js';

/** How a swapper is set up. Only `pluginDir` is required. */
export interface SwapperOptions<T extends HostTypes = HostTypes> {
  /** The directory that holds the plugin artifacts (`*.hotswap.js`). Not needed with `staticPlugins`. */
  pluginDir?: string;
  /**
   * Plugins compiled into the host (the table `hotswap build --static-linking`
   * writes; Go's `WithStaticPlugins`). The swapper then runs them with the same
   * lifecycle, dependencies and vault, and refuses to reload.
   */
  staticPlugins?: readonly StaticPlugin[];
  /**
   * Modules the host shares with its plugins, by the specifier the plugins
   * import them with (and build with `--shared`). `@hotswap/core` is always
   * shared.
   */
  shared?: Readonly<Record<string, unknown>>;
  /** Where the swapper logs; `false` for nowhere. Defaults to stderr, info and above. */
  logger?: Logger | false;
  /** Milliseconds a retired version waits, once drained, before its OnFree. Default 1000. */
  freeDelay?: number;
  /** Longest a retired version waits for its calls to drain before OnFree runs anyway. Default 60000. */
  maxFreeWait?: number;
  /** Longest any one hook may run before the reload fails. Default 10000. */
  hookTimeout?: number;
  /** Runs before every swap, the first load included; may veto (Go's `WithReloadCallback`). */
  reloadCallback?: ReloadCallback<T>;
  /** Makes the vault's extension object, once per generation (Go's `WithExtensionNewer`). */
  extension?: () => ExtensionOf<T>;
  /** The vault's data bag, shared by every generation. Defaults to an empty object. */
  bag?: BagOf<T>;
  /** Only these plugins are loaded (names compared without case) (Go's `WithWhitelist`). */
  whitelist?: readonly string[];
  /**
   * Milliseconds after a version's OnFree to check that it was garbage
   * collected; one still alive is reported (`version:leak` and a warning).
   * `false` turns the check off. Default 30000.
   */
  leakTimeout?: number | false;
  /**
   * An Ed25519 public key (PEM text or KeyObject): when set, only artifacts
   * signed with the matching private key (`hotswap build --sign`) load.
   */
  publicKey?: string | KeyObject;
  /** Load from a plugin directory, or artifacts, that every user may write to. Off by default. */
  allowInsecurePluginDir?: boolean;
}

/** What the swapper is doing and has done: `swapper.status()`. */
export interface SwapperStatus {
  /** The id of the serving generation, or undefined before the first load and after close. */
  generation: number | undefined;
  /** Successful reloads since the first load. */
  reloadCount: number;
  /** Versions serving now, with their calls in flight. */
  serving: VersionStatus[];
  /** Versions swapped out whose calls are draining or whose OnFree has not run yet. */
  retiring: VersionStatus[];
  /** Versions whose OnFree ran, not yet garbage-collected. */
  freed: VersionStatus[];
  /** Versions found alive after `leakTimeout`. */
  leaked: VersionStatus[];
  /** How many versions were garbage-collected in all. */
  collected: number;
  /** The last load or reload: its details, or its error. */
  lastReload?: { ok: true; at: number; details: ReloadDetails } | { ok: false; at: number; code: string; message: string };
}

/** Options of one reload. */
export interface ReloadOptions<T extends HostTypes = HostTypes> {
  /** One more callback, run after the swapper's own (Go's `ReloadWithCallback`). */
  callback?: ReloadCallback<T>;
  /**
   * Allow an artifact whose signed build time is older than the version it
   * replaces: an explicit rollback. Without it, a signing host refuses such an
   * artifact as a replay (`HOTSWAP_ARTIFACT_REPLAYED`).
   */
  rollback?: boolean;
}

/** The events a swapper emits, with their payloads. */
export interface SwapperEvents<T extends HostTypes = HostTypes> {
  /** A load or reload began. */
  'reload:start': (info: { generation: number }) => void;
  /** A load or reload swapped in a new generation. */
  'reload:success': (details: ReloadDetails, generation: Generation<T>) => void;
  /** A load or reload failed; the current generation keeps serving. */
  'reload:failure': (error: HotswapError) => void;
  /** A lifecycle hook of a version finished, or failed. */
  hook: (event: HookEvent) => void;
  /** A new version was swapped in and serves. */
  'version:load': (event: VersionEvent) => void;
  /** A version was swapped out: its signal is aborted and its calls drain. */
  'version:retire': (event: VersionEvent) => void;
  /** A retired version has no call in flight any more. */
  'version:drain': (event: VersionEvent) => void;
  /** A retired version's OnFree has run. */
  'version:free': (event: VersionEvent) => void;
  /** A retired version still had calls running when `maxFreeWait` ran out; OnFree runs anyway. */
  'version:stuck': (event: VersionEvent & { inflight: number }) => void;
  /** A retired version's OnFree threw. */
  'version:free-failure': (event: VersionEvent & { error: unknown }) => void;
  /** A freed version was garbage-collected: its memory is back. */
  'version:collect': (event: VersionEvent) => void;
  /** A freed version was still alive `leakTimeout` after its OnFree: something pins it. */
  'version:leak': (event: LeakEvent) => void;
}

interface Timing {
  freeDelay: number;
  maxFreeWait: number;
  hookTimeout: number;
}

const DEFAULTS: Timing = { freeDelay: 1000, maxFreeWait: 60_000, hookTimeout: 10_000 };
const DEFAULT_LEAK_TIMEOUT = 30_000;

/**
 * What the host holds (Go's `PluginManagerSwapper`): it loads the plugins,
 * reloads them one reload at a time, and hands out the current generation.
 *
 * @example
 * const swapper = new Swapper<HelloTypes>({ pluginDir: 'bin', shared: { '#g': g } })
 * await swapper.load({ greeting: 'hi' })
 * swapper.current.invoke('world', 'hum', 3)
 */
export class Swapper<T extends HostTypes = HostTypes> extends EventEmitter<SwapperEvents<T>> {
  #pluginDir: string;
  readonly #options: SwapperOptions<T>;
  readonly #log: Logger;
  readonly #shared: Map<string, unknown>;
  readonly #bag: BagOf<T>;
  #current: Generation<T> | undefined;
  #reloadCounter = 0;
  #lastData: unknown;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #retiring = new Set<Promise<void>>();
  #closed = false;
  readonly #hurry = new AbortController();
  readonly #census: Census;
  readonly #handles = new Set<WeakRef<HandleCache>>();
  #lastReload: SwapperStatus['lastReload'];
  readonly #trust: Trust;
  readonly #scanCache: ScanCache = new Map();

  constructor(options: SwapperOptions<T>) {
    super();
    checkOptions(options as SwapperOptions);
    this.#options = options;
    this.#pluginDir = options.pluginDir ?? '';
    this.#log = options.logger === false ? silentLogger : (options.logger ?? consoleLogger());
    this.#shared = new Map(Object.entries(options.shared ?? {}));
    this.#bag = options.bag ?? ({} as BagOf<T>);
    this.#trust = { publicKey: publicKeyOf(options.publicKey), allowInsecureDir: options.allowInsecurePluginDir };
    this.#census = new Census(
      this.#log,
      (v) => this.#notify('version:collect', { plugin: v.plugin, version: v.version, buildStamp: v.buildStamp }),
      (event) => this.#notify('version:leak', event),
    );
  }

  /** A snapshot of every version from serving to collected, and of the last reload. */
  status(): SwapperStatus {
    const { versions, collected } = this.#census.snapshot();
    const pick = (state: VersionStatus['state']): VersionStatus[] => versions.filter((v) => v.state === state);
    return {
      generation: this.#current?.id,
      reloadCount: this.#reloadCounter,
      serving: pick('serving'),
      retiring: pick('retiring'),
      freed: pick('freed'),
      leaked: pick('leaked'),
      collected,
      ...(this.#lastReload === undefined ? {} : { lastReload: this.#lastReload }),
    };
  }

  /** The generation serving now. Throws `HOTSWAP_NOT_LOADED` before the first load. */
  get current(): Generation<T> {
    if (this.#current === undefined && this.#closed) {
      throw new HotswapError(ErrorCodes.NOT_LOADED, 'the swapper is closed: its plugins were freed by close().');
    }
    if (this.#current === undefined) {
      throw new HotswapError(ErrorCodes.NOT_LOADED, 'no plugins are loaded yet. Call swapper.load(data) first.');
    }
    return this.#current;
  }

  /** How many reloads have succeeded since the first load (Go's `ReloadCounter`). */
  get reloadCounter(): number {
    return this.#reloadCounter;
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
   * the time of the call. `Fns` is the type of the plugin's `functions`.
   */
  handle<Fns extends FunctionTable<Fns> = FunctionTable>(name: string): PluginHandle<Fns> {
    const { handle, cache } = makeHandle<T, Fns>(name, () => this.current);
    this.#handles.add(new WeakRef(cache));
    return handle;
  }

  /** Points the next reload at another plugin directory (Go's `ResetPluginDir`). */
  resetPluginDir(dir: string): void {
    if (typeof dir !== 'string' || dir === '') {
      throw new HotswapError(ErrorCodes.INVALID_OPTION, 'resetPluginDir needs a non-empty directory path.');
    }
    this.#pluginDir = dir;
  }

  /** Loads the plugins for the first time (Go's `LoadPlugins`). */
  load(data: DataOf<T>): Promise<ReloadDetails> {
    return this.#serialize(async () => {
      if (this.#current !== undefined) {
        throw new HotswapError(ErrorCodes.ALREADY_LOADED, 'the plugins are already loaded. Call reload() instead.');
      }
      return this.#run(data, undefined);
    });
  }

  /**
   * Reads the plugin directory again and swaps in a new generation (Go's
   * `Reload`). Reloads run one at a time: a call made while another runs
   * waits for it. `data` defaults to the data of the previous load or reload.
   * On failure the current generation keeps serving and the error is thrown.
   */
  reload(data?: DataOf<T>, options: ReloadOptions<T> = {}): Promise<ReloadDetails> {
    return this.#serialize(async () => {
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
      return this.#run(data === undefined ? this.#lastData : data, options.callback);
    });
  }

  /**
   * Retires the current generation and waits until every retired version has
   * had its OnFree: free delays are cut short, but calls still running are
   * waited for (up to `maxFreeWait`). Call it when the host shuts down; the
   * swapper cannot load or reload afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return this.settled();
    await this.#serialize(async () => {
      this.#closed = true;
      this.#hurry.abort();
      const last = this.#current;
      this.#current = undefined;
      this.#invalidateHandles();
      if (last !== undefined) this.#retire(last.versions, { ...this.#timing(), freeDelay: 0 });
    });
    await Promise.all([...this.#retiring]);
  }

  /** Resolves when every version retired so far has had its OnFree. */
  async settled(): Promise<void> {
    while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
  }

  #serialize<R>(task: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(() => {
      if (this.#closed) {
        throw new HotswapError(ErrorCodes.NOT_LOADED, 'the swapper is closed.');
      }
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(data: unknown, extra: ReloadCallback<T> | undefined): Promise<ReloadDetails> {
    const started = performance.now();
    const previous = this.#current;
    const id = previous === undefined ? 1 : previous.id + 1;
    this.#notify('reload:start', { generation: id });
    let prepared: PreparedReload<T>;
    try {
      const statics = this.#options.staticPlugins;
      const artifacts =
        statics === undefined
          ? (await scanPluginDir(this.#pluginDir, this.#options.whitelist, this.#trust, this.#scanCache)).map((a) => fromArtifact(a, evaluateArtifact))
          : staticLoadables(statics, this.#options.whitelist);
      const callbacks = [this.#options.reloadCallback, extra].filter((c): c is ReloadCallback<T> => c !== undefined);
      prepared = await prepareReload<T>({
        id,
        previous,
        artifacts,
        data,
        shared: this.#sharedModules(),
        makeVault: () => new Vault<T>(this.#options.extension?.() as ExtensionOf<T>, this.#bag),
        hookTimeout: this.#timing().hookTimeout,
        log: this.#log,
        callbacks,
        onHook: (event) => this.#notify('hook', event),
        census: this.#census,
        leakTimeout: this.#leakTimeout(),
      });
      try {
        prepared.handOver();
      } catch (error) {
        await prepared.abandon();
        throw error;
      }
    } catch (error) {
      const failure = isHotswapError(error)
        ? error
        : new HotswapError(ErrorCodes.RELOAD_FAILED, `the reload failed unexpectedly: ${describe(error)}`, { cause: error });
      this.#lastReload = { ok: false, at: Date.now(), code: failure.code, message: failure.message };
      this.#log.error(`reload failed, generation ${previous?.id ?? 'none'} keeps serving: ${failure.message}`);
      this.#notify('reload:failure', failure);
      throw failure;
    }
    // The swap, in the same tick as the handoff: from here on every new call reaches the new generation.
    // Nothing after it may fail the reload: listeners' errors are logged, not thrown.
    this.#current = prepared.generation;
    this.#invalidateHandles();
    this.#lastData = data;
    const loaded = prepared.generation.versions.filter((v) => v.state === 'loading');
    for (const version of prepared.generation.versions) {
      version.state = 'serving';
      this.#census.mark(version.censusId, 'serving');
    }
    if (previous !== undefined) this.#reloadCounter++;
    const details: ReloadDetails = { generation: id, plugins: prepared.details, durationMs: performance.now() - started };
    this.#lastReload = { ok: true, at: Date.now(), details };
    this.#log.info(`generation ${id} serving: ${details.plugins.map((p) => `${p.name}@${p.version} ${p.status}`).join(', ')}`);
    for (const version of loaded) this.#notify('version:load', eventOf(version));
    this.#notify('reload:success', details, prepared.generation);
    if (prepared.retired.length > 0) {
      const order = previous?.versions ?? [];
      this.#retire(
        order.filter((v) => prepared.retired.includes(v)),
        this.#timing(),
      );
    }
    return details;
  }

  /** Emits an event; a listener that throws is logged and does not disturb the swapper. */
  #notify<E extends keyof SwapperEvents<T>>(event: E, ...args: Parameters<SwapperEvents<T>[E]>): void {
    try {
      (this.emit as (event: E, ...args: Parameters<SwapperEvents<T>[E]>) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error(`a listener of "${String(event)}" threw: ${describe(error)}`);
    }
  }

  #retire(versions: readonly PluginVersion[], timing: Timing): void {
    for (const version of versions) {
      this.#census.mark(version.censusId, 'retiring');
      this.#notify('version:retire', eventOf(version));
    }
    const leakTimeout = this.#leakTimeout();
    const done = retire(versions, {
      ...timing,
      log: this.#log,
      onDrained: (version) => this.#notify('version:drain', eventOf(version)),
      onFreed: (version) => {
        this.#census.freed(version.censusId, leakTimeout);
        this.#notify('version:free', eventOf(version));
      },
      onStuck: (event) => {
        this.#log.warn(
          `plugin "${event.plugin}" ${event.version} still has ${event.inflight} call(s) running after maxFreeWait; running OnFree anyway`,
        );
        this.#notify('version:stuck', event);
      },
      onFreeFailed: (event) => this.#notify('version:free-failure', event),
      onHook: (event) => this.#notify('hook', event),
      hurry: this.#hurry.signal,
    }).finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
  }

  #leakTimeout(): number | false {
    return this.#options.leakTimeout ?? DEFAULT_LEAK_TIMEOUT;
  }

  // Handles cache the version they call; a swap must not leave them holding a retired one.
  #invalidateHandles(): void {
    for (const ref of this.#handles) {
      const cache = ref.deref();
      if (cache === undefined) this.#handles.delete(ref);
      else cache.clear();
    }
  }

  #sharedModules(): Map<string, unknown> {
    const shared = new Map(this.#shared);
    shared.set(CORE_MODULE, coreNamespace());
    return shared;
  }

  #timing(): Timing {
    return {
      freeDelay: this.#options.freeDelay ?? DEFAULTS.freeDelay,
      maxFreeWait: this.#options.maxFreeWait ?? DEFAULTS.maxFreeWait,
      hookTimeout: this.#options.hookTimeout ?? DEFAULTS.hookTimeout,
    };
  }
}

function checkOptions(options: SwapperOptions): void {
  const bad = (message: string): never => {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, message);
  };
  if (typeof options !== 'object' || options === null) bad('new Swapper(options) needs an options object.');
  if (options.staticPlugins !== undefined) {
    if (!Array.isArray(options.staticPlugins)) bad('`staticPlugins` must be an array (the table hotswap build --static-linking writes).');
  } else if (typeof options.pluginDir !== 'string' || options.pluginDir === '') {
    bad('the swapper needs `pluginDir`: the directory that holds the plugin artifacts.');
  }
  const leak = options.leakTimeout;
  if (leak !== undefined && leak !== false && (typeof leak !== 'number' || !Number.isFinite(leak) || leak < 0)) {
    bad(`\`leakTimeout\` must be a number of milliseconds or false; got ${String(leak)}.`);
  }
  for (const key of ['freeDelay', 'maxFreeWait', 'hookTimeout'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      bad(`\`${key}\` must be a number of milliseconds, 0 or more; got ${String(value)}.`);
    }
  }
  if (options.whitelist !== undefined && !Array.isArray(options.whitelist)) {
    bad('`whitelist` must be an array of plugin names.');
  }
  if (options.extension !== undefined && typeof options.extension !== 'function') {
    bad('`extension` must be a function that returns a new extension object.');
  }
  if (options.shared !== undefined && (typeof options.shared !== 'object' || options.shared === null)) {
    bad('`shared` must be an object of module specifiers to module objects.');
  }
}

/** The static plugins as loadables, whitelist applied, checked for duplicate names like a directory's artifacts. */
function staticLoadables(plugins: readonly StaticPlugin[], whitelist: readonly string[] | undefined): Loadable[] {
  const wanted = whitelist === undefined || whitelist.length === 0 ? undefined : new Set(whitelist.map((n) => n.toLowerCase()));
  const seen = new Map<string, string>();
  const out: Loadable[] = [];
  for (const plugin of plugins) {
    const key = plugin.name.toLowerCase();
    if (seen.has(key)) {
      throw new HotswapError(ErrorCodes.DUPLICATE_PLUGIN, `two static plugins are named "${seen.get(key)}" and "${plugin.name}" (names are compared without case).`, {
        plugin: plugin.name,
        stage: 'scan',
      });
    }
    seen.set(key, plugin.name);
    if (wanted === undefined || wanted.has(key)) out.push(fromStatic(plugin));
  }
  if (plugins.length === 0) {
    throw new HotswapError(ErrorCodes.PLUGIN_DIR_EMPTY, '`staticPlugins` is empty: build the table with `hotswap build <pluginDir> <outDir> --static-linking`.', {
      stage: 'scan',
    });
  }
  for (const name of whitelist ?? []) {
    if (!seen.has(name.toLowerCase())) {
      throw new HotswapError(ErrorCodes.WHITELIST_MISSING, `the whitelist names plugin "${name}" but no static plugin has that name.`, {
        plugin: name,
        stage: 'scan',
      });
    }
  }
  return out.sort((a, b) => compareNames(a.manifest.name, b.manifest.name));
}

function publicKeyOf(key: string | KeyObject | undefined): KeyObject | undefined {
  if (key === undefined) return undefined;
  let object: KeyObject;
  try {
    object = key instanceof KeyObject ? key : createPublicKey(key);
  } catch (error) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`publicKey\` is not a public key: ${(error as Error).message}.`, { cause: error });
  }
  if (object.asymmetricKeyType !== 'ed25519') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`publicKey\` must be an Ed25519 key, got ${String(object.asymmetricKeyType)}.`);
  }
  return object;
}
