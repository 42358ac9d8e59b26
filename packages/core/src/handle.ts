import { ErrorCodes, HotswapError } from './errors.js';
import type { Generation } from './generation.js';
import type { FunctionTable, HostTypes } from './plugin.js';
import { keyOf, type PluginKey } from './names.js';
import type { PluginVersion } from './version/version.js';

/** The parameters of one function of a {@link FunctionTable}. */
export type Params<F> = F extends (...params: infer P) => unknown ? P : never;
/** The result of one function of a {@link FunctionTable}. */
export type Result<F> = F extends (...params: never[]) => infer R ? R : never;

/**
 * A typed way to call one plugin's functions that always reaches the version
 * serving now. Get one with `swapper.handle<Functions>('name')`, where
 * `Functions` is the type of the plugin's `functions` (from a shared contract
 * module). The handle is cheap to keep: it looks the plugin up again only
 * after a swap, and never keeps a retired version alive.
 */
export interface PluginHandle<Fns extends FunctionTable<Fns>> {
  /** The plugin's name, as asked for. */
  readonly name: string;
  /** Calls `fn` on the serving version, with its argument and result types. */
  invoke<K extends keyof Fns & string>(fn: K, ...params: Params<Fns[K]>): Result<Fns[K]>;
  /**
   * A function that calls `fn` on whichever version serves at the time of
   * each call: keep it, pass it around, call it after any number of reloads.
   */
  fn<K extends keyof Fns & string>(fn: K): (...params: Params<Fns[K]>) => Result<Fns[K]>;
}

const unbound = (): undefined => undefined;

/** @internal What a handle caches; the swapper clears it at every swap. */
export interface HandleCache {
  clear(): void;
}

/** @internal Made by `Swapper.handle`; `current` reads the swapper's generation. */
export function makeHandle<T extends HostTypes, Fns extends FunctionTable<Fns>>(
  name: string,
  current: () => Generation<T>,
): { handle: PluginHandle<Fns>; cache: HandleCache } {
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
      throw new HotswapError(ErrorCodes.PLUGIN_NOT_FOUND, `generation ${now.id} has no plugin "${name}".`, {
        plugin: name,
        stage: 'invoke',
      });
    }
    cache.version = found;
    return found;
  };
  const handle: PluginHandle<Fns> = {
    name,
    invoke(fn, ...params) {
      return resolve().invoke(fn, ...params) as Result<Fns[typeof fn]>;
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
        let v = own.version;
        if (v === undefined) {
          v = resolve();
          [own.target, own.self] = v.bind(fn);
          own.version = v;
        }
        return v.callTarget(own.target, own.self, ...params) as Result<Fns[typeof fn]>;
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
export class HandleRegistry<T extends HostTypes> {
  readonly #byKey = new Map<PluginKey, { handle: PluginHandle<FunctionTable>; cache: HandleCache }>();
  readonly #current: () => Generation<T>;

  constructor(current: () => Generation<T>) {
    this.#current = current;
  }

  get<Fns extends FunctionTable<Fns>>(name: string): PluginHandle<Fns> {
    const key = keyOf(name);
    let entry = this.#byKey.get(key);
    if (entry === undefined) {
      entry = makeHandle<T, FunctionTable>(name, this.#current);
      this.#byKey.set(key, entry);
    }
    // One handle serves every typing of the same plugin: its functions are looked up by name at call time.
    return entry.handle;
  }

  /** A swap happened: no handle may keep calling a retired version. */
  invalidate(): void {
    for (const { cache } of this.#byKey.values()) cache.clear();
  }
}
