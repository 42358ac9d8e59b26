import { ErrorCodes, HotswapError } from './errors.js';
import type { Generation } from './generation.js';
import type { FunctionTable, HostTypes } from './plugin.js';
import type { PluginVersion } from './version.js';

/** Parameters of a function type, for a {@link FunctionTable} entry. */
type Params<F> = F extends (...params: infer P) => unknown ? P : never;
/** Result of a function type, for a {@link FunctionTable} entry. */
type Result<F> = F extends (...params: never[]) => infer R ? R : never;

/**
 * A typed way to call one plugin's functions that always reaches the version
 * serving now. Get one with `swapper.handle<Functions>('name')`, where
 * `Functions` is the type of the plugin's `functions` (from a shared contract
 * module). The handle is cheap to keep: it looks the plugin up again only
 * after a swap.
 */
export interface PluginHandle<Fns extends FunctionTable> {
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

/** @internal Made by `Swapper.handle`; `current` reads the swapper's generation. */
export function makeHandle<T extends HostTypes, Fns extends FunctionTable>(
  name: string,
  current: () => Generation<T>,
): PluginHandle<Fns> {
  let generation: Generation<T> | undefined;
  let version: PluginVersion | undefined;
  const resolve = (): PluginVersion => {
    const now = current();
    if (now !== generation || version === undefined) {
      const found = now.versionOf(name);
      if (found === undefined) {
        throw new HotswapError(ErrorCodes.PLUGIN_NOT_FOUND, `generation ${now.id} has no plugin "${name}".`, {
          plugin: name,
          stage: 'invoke',
        });
      }
      generation = now;
      version = found;
    }
    return version;
  };
  return {
    name,
    invoke(fn, ...params) {
      return resolve().invoke(fn, params) as Result<Fns[typeof fn]>;
    },
    fn(fn) {
      return (...params) => resolve().invoke(fn, params) as Result<Fns[typeof fn]>;
    },
  };
}
