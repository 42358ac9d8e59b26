import { ErrorCodes, HotswapError } from './errors.js';
import type { Generation } from './generation.js';
import type { Contract } from './plugin.js';
import { keyOf, type PluginKey } from './names.js';
import { argsFrom, callWith, mapped, settled, type Binding } from './version/calls.js';

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

/** One function of a handle: the binding it reached on the version serving, until the next swap. */
class Slot {
  binding: Binding | undefined = undefined;
  readonly fn: string;
  constructor(fn: string) {
    this.fn = fn;
  }
}

/** @internal What a handle caches; the swapper clears it at every swap. */
export interface HandleCache {
  clear(): void;
  /**
   * While on (a canary runs), no slot is bound: every call takes the unbound
   * branch of its path and picks its generation there, through `current()`.
   * The bound branch never sees a routing function, so once the canary is
   * decided a call site that ran during it is the same code as any other.
   */
  route(on: boolean): void;
}

/** @internal Made by `Swapper.handle`; `current` reads the swapper's generation. */
export function makeHandle<T extends Contract>(name: string, current: () => Generation<T>): { handle: UntypedHandle; cache: HandleCache } {
  // Each function's slot holds the binding it reached (a version's function,
  // bound once); a swap empties every slot, so no slot keeps a retired
  // version alive, and the next call binds again on the version serving then.
  const slots = new Map<string, Slot>();
  const fns = new Map<string, (...params: unknown[]) => unknown>();
  const slotOf = (fn: string): Slot => {
    let slot = slots.get(fn);
    if (slot === undefined) {
      slot = new Slot(fn);
      slots.set(fn, slot);
    }
    return slot;
  };
  // The slot handle.invoke named last; at first the slot of the empty name, a slot like any other, so that
  // the check on the path is one comparison.
  let last = slotOf('');
  let routed = false;
  const bindNow = (slot: Slot): Binding => {
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
    const binding = found.binding(slot.fn);
    slot.binding = binding;
    return binding;
  };
  // A call that found its slot empty: the first after a swap, or any while a canary runs (no slot is bound
  // then, and the generation picked now meters the call and counts its promise in flight). Every path
  // reaches it the same way, canary or not, through a proxy, which V8 never inlines: the code a path is
  // optimized to is the same whether a canary ran through it or not, and the bound branch stays small.
  const miss = new Proxy((slot: Slot, n: number, a: unknown, b: unknown, c: unknown, d: unknown, more: unknown[] | undefined): unknown => {
    const params = more ?? (n === 0 ? [] : n === 1 ? [a] : n === 2 ? [a, b] : n === 3 ? [a, b, c] : [a, b, c, d]);
    return routed ? current().invokeByName(name, slot.fn, params) : callWith(bindNow(slot), params);
  }, {});
  const cache: HandleCache = {
    clear() {
      for (const slot of slots.values()) slot.binding = undefined;
    },
    route(on) {
      routed = on;
      this.clear();
    },
  };
  // Each call path below is written out on its own, so that each has its own
  // call site. It takes up to four arguments as parameters and counts them
  // with `arguments.length` (which makes no object in optimized code), where
  // a rest parameter would be an array per call once any branch let it
  // escape. It calls the bound function without `this` (a plain call, which
  // V8 inlines; `fn.call` with a target read from a field it does not), and
  // counts only a promise in flight. Each stays small enough to be inlined
  // into its caller.
  const directInvoke = function (fn: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown {
    const n = arguments.length - 1;
    // The function named last time, compared by identity first: a call site passes the same string each time.
    let slot = last;
    if (slot.fn !== fn) last = slot = slotOf(fn);
    const binding = slot.binding;
    // eslint-disable-next-line prefer-rest-params -- an array only for more than four arguments: a rest parameter would be one per call
    if (binding === undefined) return miss(slot, n, a, b, c, d, n > 4 ? argsFrom(arguments, 1) : undefined);
    const target = binding.target;
    let result: unknown;
    try {
      switch (n) {
        case 0: result = target(); break;
        case 1: result = target(a); break;
        case 2: result = target(a, b); break;
        case 3: result = target(a, b, c); break;
        case 4: result = target(a, b, c, d); break;
        // eslint-disable-next-line prefer-rest-params -- an array only for more than four arguments: a rest parameter would be one per call
        default: return callWith(binding, argsFrom(arguments, 1));
      }
    } catch (error) {
      throw mapped(error);
    }
    return (typeof result === 'object' && result !== null) || typeof result === 'function' ? settled(binding, result) : result;
  };
  const handle: UntypedHandle = {
    name,
    invoke: directInvoke,
    fn(fn) {
      // One function per name, made once: the host may keep it, compare it, or ask again.
      const known = fns.get(fn);
      if (known !== undefined) return known;
      const slot = slotOf(fn);
      const bound = function (a?: unknown, b?: unknown, c?: unknown, d?: unknown): unknown {
        const n = arguments.length;
        const binding = slot.binding;
        // eslint-disable-next-line prefer-rest-params -- an array only for more than four arguments: a rest parameter would be one per call
        if (binding === undefined) return miss(slot, n, a, b, c, d, n > 4 ? argsFrom(arguments, 0) : undefined);
        const target = binding.target;
        let result: unknown;
        try {
          switch (n) {
            case 0: result = target(); break;
            case 1: result = target(a); break;
            case 2: result = target(a, b); break;
            case 3: result = target(a, b, c); break;
            case 4: result = target(a, b, c, d); break;
            // eslint-disable-next-line prefer-rest-params -- an array only for more than four arguments: a rest parameter would be one per call
            default: return callWith(binding, argsFrom(arguments, 0));
          }
        } catch (error) {
          throw mapped(error);
        }
        return (typeof result === 'object' && result !== null) || typeof result === 'function' ? settled(binding, result) : result;
      };
      Object.defineProperty(bound, 'name', { value: fn });
      fns.set(fn, bound);
      return bound;
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
      if (this.#routed) entry.cache.route(true);
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
    for (const { cache } of this.#byKey.values()) cache.route(on);
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
