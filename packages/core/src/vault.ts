import { ErrorCodes, HotswapError } from './errors.js';
import { LiveData, unwrapLive, wrapLive, type LiveClass } from './live/data.js';
import type { BagOf, Contract, ExtensionOf, LiveFunctionsOf, LiveInstanceOf, LiveTypesOf } from './plugin.js';

/** A live function as the vault hands it out: calling it counts as a call in flight in its version. */
export type LiveFunction = (...params: never[]) => unknown;

/** A value that crosses versions as it is. */
export type Primitive = string | number | boolean | bigint | null | undefined;

/**
 * `V` where every part of it can cross from one version to another, `never`
 * in each part that cannot: primitives, plain objects, arrays, Dates, Maps,
 * Sets and instances of the contract's live types (`L`), nested in any way.
 * No function, symbol or instance of another class.
 */
export type Crossable<V, L> = unknown extends V
  ? V
  : V extends Primitive
  ? V
  : V extends symbol | ((...args: never[]) => unknown)
    ? never
    : [V] extends [L]
      ? V
      : V extends Date
        ? V
        : V extends ReadonlyMap<infer K, infer X>
          ? ReadonlyMap<Crossable<K, L>, Crossable<X, L>>
          : V extends ReadonlySet<infer X>
            ? ReadonlySet<Crossable<X, L>>
            : V extends object
              ? { [K in keyof V]: K extends symbol ? never : Crossable<V[K], L> }
              : never;

/**
 * What the plugins of one generation share with each other and with the
 * host (Go's `vault.Vault`). The extension object is made afresh for each
 * generation by the swapper's `extension` factory; the data bag is one
 * object that every generation shares. Live functions and live types are
 * those of the generation's plugins, ready from OnInit on.
 */
export class Vault<C extends Contract = Contract> {
  /** The host's extension object for this generation; plugins fill it in OnInit. */
  readonly extension: ExtensionOf<C>;
  /** Data shared by every generation, for the whole life of the swapper. */
  readonly bag: BagOf<C>;
  readonly #funcs = new Map<string, LiveFunction>();
  readonly #types = new Map<string, LiveClass>();

  /** @internal Made by the swapper; plugins and hosts receive it. */
  constructor(extension: ExtensionOf<C>, bag: BagOf<C>) {
    this.extension = extension;
    this.bag = bag;
  }

  /** The live functions of this generation's plugins, by name (Go's `LiveFuncs`). */
  get liveFuncs(): ReadonlyMap<string, LiveFunction> {
    return this.#funcs;
  }

  /** The live types (classes) of this generation's plugins, by name (Go's `LiveTypes`). */
  get liveTypes(): ReadonlyMap<string, LiveClass> {
    return this.#types;
  }

  /**
   * The live function `name`, typed by the contract's `live.functions`.
   * Throws `HOTSWAP_LIVE_NOT_FOUND` when no plugin of this generation defines it.
   */
  liveFunc<K extends keyof LiveFunctionsOf<C> & string>(name: K): LiveFunctionsOf<C>[K];
  liveFunc(name: string): unknown {
    const fn = this.#funcs.get(name);
    if (fn === undefined) throw notFound('function', name, [...this.#funcs.keys()]);
    return fn;
  }

  /**
   * The live type `name`, typed by the contract's `live.types`. Throws
   * `HOTSWAP_LIVE_NOT_FOUND` when no plugin of this generation defines it.
   */
  liveType<K extends keyof LiveTypesOf<C> & string>(name: K): LiveTypesOf<C>[K];
  liveType(name: string): unknown {
    const cls = this.#types.get(name);
    if (cls === undefined) throw notFound('type', name, [...this.#types.keys()]);
    return cls;
  }

  /**
   * Wraps a value so it can wait in a queue across reloads without keeping
   * the version that made it alive. It takes primitives, plain objects,
   * arrays, Dates, Maps, Sets and instances of the contract's live types,
   * nested in any way ({@link Crossable}); anything else is a compile error,
   * and fails at run time with `HOTSWAP_LIVE_DATA_UNSUPPORTED`, naming the field.
   */
  wrap<V>(value: V & Crossable<V, LiveInstanceOf<C>>): LiveData<V> {
    return wrapLive(value, (ctor) => {
      const name = (ctor as { name?: unknown } | undefined)?.name;
      return typeof name === 'string' && this.#types.has(name) ? name : undefined;
    });
  }

  /** Unwraps live data with this generation's live types. */
  unwrap<V>(data: LiveData<V>): V {
    return unwrapLive(data, (name) => this.#types.get(name));
  }

  /** @internal Registers one plugin's live names; a name taken by another plugin is an error naming both. */
  addLive(plugin: string, name: string, value: unknown, owners: Map<string, string>, track: (fn: LiveFunction) => LiveFunction): void {
    const owner = owners.get(name);
    if (owner !== undefined) {
      throw new HotswapError(
        ErrorCodes.LIVE_COLLISION,
        `plugins "${owner}" and "${plugin}" both define the live name "${name}". Rename one of them.`,
        { plugin, stage: 'vault', name, owner },
      );
    }
    if (typeof value !== 'function') {
      throw new HotswapError(
        ErrorCodes.PLUGIN_INVALID,
        `plugin "${plugin}" exports "${name}" with the live prefix, but it is ${value === null ? 'null' : typeof value}: only functions and classes can be live.`,
        { plugin, stage: 'vault' },
      );
    }
    owners.set(name, plugin);
    if (isClass(value)) this.#types.set(name, value as LiveClass);
    else this.#funcs.set(name, track(value as LiveFunction));
  }
}

export { LiveData };

function isClass(fn: unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function notFound(kind: 'function' | 'type', name: string, known: string[]): HotswapError {
  return new HotswapError(
    ErrorCodes.LIVE_NOT_FOUND,
    `no plugin of this generation defines the live ${kind} "${name}". Known: ${known.join(', ') || 'none'}.`,
    { stage: 'live', kind, name, known },
  );
}
