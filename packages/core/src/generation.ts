import { ErrorCodes, HotswapError } from './errors.js';
import { isPromiseLike } from './hooks.js';
import { callWith, mapped, settled, type Binding } from './version/calls.js';
import { makeHandle, typed, type FunctionName, type Params, type PluginHandle, type Result } from './handle.js';
import type { Contract, FunctionsOf, PluginName } from './plugin.js';
import { keyOf, type PluginKey } from './names.js';
import type { PluginInfo, PluginVersion } from './version/version.js';
import type { Vault } from './vault.js';

/** The result of one plugin's call in `invokeEach`. */
export interface EachResult {
  plugin: string;
  result: unknown;
}

/**
 * The set of plugin versions that serve together (Go's `PluginManager`).
 * A generation never changes: a reload builds a new one and the swapper
 * swaps it in whole.
 */
export class Generation<T extends Contract = Contract> {
  /** 1 for the first load, then one more for each successful reload. */
  readonly id: number;
  /** What the plugins of this generation share. */
  readonly vault: Vault<T>;
  readonly #plugins: readonly PluginVersion[];
  readonly #byName: ReadonlyMap<PluginKey, PluginVersion>;
  readonly #handles = new Map<PluginKey, ReturnType<typeof makeHandle>['handle']>();
  // The pair `invoke` was asked for last and its binding. '' is no plugin's name, so the first call looks up.
  #lastPlugin = '';
  #lastFn = '';
  #last: Binding | undefined = undefined;

  /** @internal Made by the swapper. `plugins` is in dependency order. */
  constructor(id: number, plugins: readonly PluginVersion[], vault: Vault<T>) {
    this.id = id;
    this.vault = vault;
    this.#plugins = plugins;
    this.#byName = new Map(plugins.map((p) => [keyOf(p.name), p]));
  }

  /**
   * The plugins in dependency order, each after every plugin it imports: a
   * frozen snapshot of each, taken now (its `state` and `inflight` do not
   * follow the version afterwards).
   */
  get plugins(): readonly PluginInfo[] {
    return Object.freeze(this.#plugins.map(snapshot));
  }

  /** A frozen snapshot of the plugin of that name, compared without case, or undefined. */
  find(name: PluginName<T>): PluginInfo | undefined {
    const version = this.#byName.get(keyOf(name));
    return version === undefined ? undefined : snapshot(version);
  }

  /**
   * Calls function `fn` of plugin `plugin` (Go's `InvokeFunc`). Returns what
   * the function returns, a promise included, typed by the contract; the
   * plugin's own errors reach the caller unchanged.
   */
  invoke<N extends PluginName<T>, K extends FunctionName<FunctionsOf<T, N>>>(
    plugin: N,
    fn: K,
    ...params: Params<FunctionsOf<T, N>[K]>
  ): Result<FunctionsOf<T, N>[K]>;
  invoke(plugin: string, fn: string, ...params: unknown[]): unknown {
    // The pair named last time, compared by identity first: a call site passes the same strings each time.
    // Two compares of fields of this generation, then one load: no read through the binding before the call.
    let binding = this.#last;
    if (plugin !== this.#lastPlugin || fn !== this.#lastFn || binding === undefined) {
      binding = this.#version(plugin).binding(fn);
      this.#last = binding;
      this.#lastPlugin = plugin;
      this.#lastFn = fn;
    }
    const target = binding.target;
    let result: unknown;
    try {
      // The arguments written out of `params`, which then never escapes: optimized code makes no array for it.
      switch (params.length) {
        case 0: result = target(); break;
        case 1: result = target(params[0]); break;
        case 2: result = target(params[0], params[1]); break;
        case 3: result = target(params[0], params[1], params[2]); break;
        case 4: result = target(params[0], params[1], params[2], params[3]); break;
        default: return callWith(binding, params);
      }
    } catch (error) {
      throw mapped(error);
    }
    return (typeof result === 'object' && result !== null) || typeof result === 'function' ? settled(binding, result) : result;
  }

  /**
   * Calls `fn` on every plugin that offers it, in dependency order, one after
   * the other (awaiting each). Plugins without `fn` are skipped; the first
   * error stops the walk and is thrown.
   */
  invokeEach(fn: string, ...params: unknown[]): Promise<EachResult[]> {
    return this.#each(this.#plugins, fn, params);
  }

  /** As {@link invokeEach}, in reverse dependency order. */
  invokeEachBackward(fn: string, ...params: unknown[]): Promise<EachResult[]> {
    return this.#each([...this.#plugins].reverse(), fn, params);
  }

  /**
   * Holds every version of this generation as if a call were in flight in
   * each, until the returned function is called (once; more calls do
   * nothing). A request that takes a generation and awaits between calls
   * holds it, so no version it uses gets OnFree before the request is done
   * (bounded by `maxFreeWait`, like any call).
   *
   * @example
   * const generation = swapper.current;
   * const release = generation.hold();
   * try { await step1(generation); await step2(generation); } finally { release(); }
   */
  hold(): () => void {
    const releases: Array<() => void> = [];
    try {
      for (const version of this.#plugins) releases.push(version.hold());
    } catch (error) {
      // A version already freed: give back the holds already taken, or they would pin the others until maxFreeWait.
      for (const release of releases) release();
      throw error;
    }
    return () => {
      for (const release of releases) release();
    };
  }

  /**
   * A typed handle on plugin `name` of this generation only (see
   * `swapper.handle` for one that follows reloads); the same name, without
   * case, gives the same handle.
   */
  handle<N extends PluginName<T>>(name: N): PluginHandle<FunctionsOf<T, N>, N> {
    const key = keyOf(name);
    let handle = this.#handles.get(key);
    if (handle === undefined) {
      handle = makeHandle<T>(name, () => this).handle;
      this.#handles.set(key, handle);
    }
    return typed<FunctionsOf<T, N>, N>(handle);
  }

  /** @internal The versions, for the swapper. */
  get versions(): readonly PluginVersion[] {
    return this.#plugins;
  }

  /** @internal `invoke` by names the contract does not type (a metered view, an endpoint): the same lookup and errors. */
  invokeByName(plugin: string, fn: string, params: unknown[]): unknown {
    return this.#version(plugin).invoke(fn, ...params);
  }

  /** @internal */
  versionOf(name: string): PluginVersion | undefined {
    return this.#byName.get(keyOf(name));
  }

  async #each(order: readonly PluginVersion[], fn: string, params: unknown[]): Promise<EachResult[]> {
    const results: EachResult[] = [];
    for (const version of order) {
      if (!version.offers(fn)) continue;
      // Await only what is a promise: a synchronous function costs no microtask.
      const result = version.invoke(fn, ...params);
      results.push({ plugin: version.name, result: isPromiseLike(result) ? await result : result });
    }
    return results;
  }

  #version(name: string): PluginVersion {
    const version = this.#byName.get(keyOf(name));
    if (version === undefined) {
      throw new HotswapError(
        ErrorCodes.PLUGIN_NOT_FOUND,
        `generation ${this.id} has no plugin "${name}". It has: ${this.#plugins.map((p) => p.name).join(', ') || 'none'}.`,
        { plugin: name, stage: 'invoke', available: this.#plugins.map((p) => p.name) },
      );
    }
    return version;
  }
}

function snapshot(version: PluginVersion): PluginInfo {
  return Object.freeze({
    name: version.name,
    version: version.version,
    buildStamp: version.buildStamp,
    hash: version.hash,
    reloadable: version.reloadable,
    state: version.state,
    inflight: version.inflight,
    exported: version.exported,
  });
}
