import { ErrorCodes, HotswapError } from './errors.js';
import { LiveData, unwrapLive, wrapLive, type LiveClass } from './live/data.js';
import type { BagOf, ExtensionOf, HostTypes } from './plugin.js';

/** A live function as the vault hands it out: calling it counts as a call in flight in its version. */
export type LiveFunction = (...params: never[]) => unknown;

/**
 * What the plugins of one generation share with each other and with the
 * host (Go's `vault.Vault`). The extension object is made afresh for each
 * generation by the swapper's `extension` factory; the data bag is one
 * object that every generation shares. Live functions and live types are
 * those of the generation's plugins, ready from OnInit on.
 */
export class Vault<T extends HostTypes = HostTypes> {
  /** The host's extension object for this generation; plugins fill it in OnInit. */
  readonly extension: ExtensionOf<T>;
  /** Data shared by every generation, for the whole life of the swapper. */
  readonly bag: BagOf<T>;
  readonly #funcs = new Map<string, LiveFunction>();
  readonly #types = new Map<string, LiveClass>();

  /** @internal Made by the swapper; plugins and hosts receive it. */
  constructor(extension: ExtensionOf<T>, bag: BagOf<T>) {
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

  /** The live function `name`, typed as `F`. Throws `HOTSWAP_LIVE_NOT_FOUND` when no plugin defines it. */
  liveFunc<F extends LiveFunction>(name: string): F {
    const fn = this.#funcs.get(name);
    if (fn === undefined) throw notFound('function', name, [...this.#funcs.keys()]);
    return fn as F;
  }

  /** The live type `name`, typed as `C`. Throws `HOTSWAP_LIVE_NOT_FOUND` when no plugin defines it. */
  liveType<C extends LiveClass>(name: string): C {
    const cls = this.#types.get(name);
    if (cls === undefined) throw notFound('type', name, [...this.#types.keys()]);
    return cls as C;
  }

  /**
   * Wraps a value so it can wait in a queue across reloads without keeping
   * the version that made it alive. It takes primitives, plain objects,
   * arrays, Dates, Maps, Sets and instances of live types, nested in any way;
   * anything else fails with `HOTSWAP_LIVE_DATA_UNSUPPORTED`, naming the field.
   */
  wrap<V>(value: V): LiveData<V> {
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
        { plugin, stage: 'vault' },
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

function notFound(kind: string, name: string, known: string[]): HotswapError {
  return new HotswapError(
    ErrorCodes.LIVE_NOT_FOUND,
    `no plugin of this generation defines the live ${kind} "${name}". Known: ${known.join(', ') || 'none'}.`,
    { stage: 'live' },
  );
}
