import { ErrorCodes, HotswapError } from './errors.js';
import type { Generation } from './generation.js';
import type { Contract } from './plugin.js';
import { keyOf, type PluginKey } from './names.js';
import type { PluginVersion } from './version/version.js';

/** The parameters of one function of a plugin's functions. */
export type Params<F> = F extends (...params: infer P) => unknown ? P : never;
/** The result of one function of a plugin's functions. */
export type Result<F> = F extends (...params: never[]) => infer R ? R : never;
/** The names of the functions in a table of functions. */
export type FunctionName<Fns extends object> = { [K in keyof Fns]: Fns[K] extends (...params: never[]) => unknown ? K : never }[keyof Fns] & string;

/**
 * A typed way to call one plugin's functions that always reaches the version
 * serving now. Get one with `swapper.handle('name')`: the name is checked
 * against the contract and the functions are typed from it. The handle is
 * cheap to keep: it looks the plugin up again only after a swap, and never
 * keeps a retired version alive.
 *
 * @typeParam Fns - the plugin's functions, from the contract.
 * @typeParam N - the plugin's name.
 */
export interface PluginHandle<Fns extends object = Record<string, (...params: never[]) => unknown>, N extends string = string> {
  /** The plugin's name, as asked for. */
  readonly name: N;
  /** Calls `fn` on the serving version, with its argument and result types. */
  invoke<K extends FunctionName<Fns>>(fn: K, ...params: Params<Fns[K]>): Result<Fns[K]>;
  /**
   * A function that calls `fn` on whichever version serves at the time of
   * each call: keep it, pass it around, call it after any number of reloads.
   */
  fn<K extends FunctionName<Fns>>(fn: K): (...params: Params<Fns[K]>) => Result<Fns[K]>;
}

/** What a handle is made of before its types are applied: names and values as the runtime sees them. */
interface UntypedHandle {
  readonly name: string;
  invoke(fn: string, ...params: unknown[]): unknown;
  fn(fn: string): (...params: unknown[]) => unknown;
}

const unbound = (): undefined => undefined;

/** @internal What a handle caches; the swapper clears it at every swap. */
export interface HandleCache {
  clear(): void;
  /** While true (a canary runs), every call asks `current()` for its generation and calls through it; nothing is cached. */
  routed: boolean;
}

/** @internal Made by `Swapper.handle`; `current` reads the swapper's generation. */
export function makeHandle<T extends Contract>(name: string, current: () => Generation<T>): { handle: UntypedHandle; cache: HandleCache } {
  // The cached version, and each function looked up on it, live in `cache`,
  // which every closure below uses: the cache, weakly held by the swapper,
  // lives exactly as long as they do, and a swap clears all of it, so no
  // closure keeps a retired version alive.
  interface Slot {
    version: PluginVersion | undefined;
    target: (...args: unknown[]) => unknown;
    self: unknown;
  }
  const slots = new Map<string, Slot>();
  const cache: HandleCache & { version: PluginVersion | undefined } = {
    version: undefined,
    routed: false,
    clear() {
      this.version = undefined;
      for (const slot of slots.values()) {
        slot.version = undefined;
        slot.self = undefined;
        slot.target = unbound;
      }
    },
  };
  const resolve = (): PluginVersion => {
    if (cache.version !== undefined) return cache.version;
    const now = current();
    const found = now.versionOf(name);
    if (found === undefined) {
      const available = now.versions.map((v) => v.name);
      throw new HotswapError(ErrorCodes.PLUGIN_NOT_FOUND, `generation ${now.id} has no plugin "${name}". It has: ${available.join(', ') || 'none'}.`, {
        plugin: name,
        stage: 'invoke',
        available,
      });
    }
    cache.version = found;
    return found;
  };
  const handle: UntypedHandle = {
    name,
    invoke(fn, ...params) {
      if (cache.routed) return current().invokeByName(name, fn, params);
      return resolve().invoke(fn, ...params);
    },
    fn(fn) {
      // The function is looked up once per version, then called directly.
      let slot = slots.get(fn);
      if (slot === undefined) {
        slot = { version: undefined, target: unbound, self: undefined };
        slots.set(fn, slot);
      }
      const own = slot;
      return (...params) => {
        if (cache.routed) return current().invokeByName(name, fn, params);
        let v = own.version;
        if (v === undefined) {
          v = resolve();
          [own.target, own.self] = v.bind(fn);
          own.version = v;
        }
        return v.callTarget(own.target, own.self, ...params);
      };
    },
  };
  return { handle, cache };
}

/**
 * The swapper's handles, one per plugin name (compared without case):
 * `swapper.handle(name)` returns the same handle each time, and a swap
 * clears what every handle cached.
 * @internal
 */
export class HandleRegistry<T extends Contract> {
  readonly #byKey = new Map<PluginKey, { handle: UntypedHandle; cache: HandleCache }>();
  readonly #current: () => Generation<T>;
  #routed = false;

  constructor(current: () => Generation<T>) {
    this.#current = current;
  }

  get<Fns extends object, N extends string>(name: N): PluginHandle<Fns, N> {
    const key = keyOf(name);
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = makeHandle<T>(name, this.#current);
      entry.cache.routed = this.#routed;
      this.#byKey.set(key, entry);
    }
    return typed<Fns, N>(entry.handle);
  }

  /** A swap happened: no handle may keep calling a retired version. */
  invalidate(): void {
    for (const { cache } of this.#byKey.values()) cache.clear();
  }

  /** A canary starts (true) or ends (false): while it runs, each call picks its generation. */
  route(on: boolean): void {
    this.#routed = on;
    for (const { cache } of this.#byKey.values()) {
      cache.clear();
      cache.routed = on;
    }
  }
}

/**
 * The one place a handle gets its types: the runtime looks functions up by
 * name at call time, so one untyped handle serves every typing of a plugin.
 * @internal
 */
export function typed<Fns extends object, N extends string>(handle: UntypedHandle): PluginHandle<Fns, N> {
  return handle as unknown as PluginHandle<Fns, N>;
}
