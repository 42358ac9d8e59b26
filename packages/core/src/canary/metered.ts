import { Generation } from '../generation.js';
import { isPromiseLike } from '../hooks.js';
import { typed, type FunctionName, type Params, type PluginHandle, type Result } from '../handle.js';
import { keyOf, type PluginKey } from '../names.js';
import type { Contract, FunctionsOf, PluginName } from '../plugin.js';
import { callWith, type Binding } from '../version/calls.js';
import type { Meter } from './meter.js';

/** What a metered handle is before its types are applied. */
interface MeteredHandle {
  readonly name: string;
  invoke(fn: string, ...params: unknown[]): unknown;
  fn(fn: string): (...params: unknown[]) => unknown;
}

/** Whether the meters still count: off once the canary's verdict is in. */
export interface MeterSwitch {
  on: boolean;
}

/**
 * A generation as handed out while a canary runs: the same versions, vault
 * and id, but every call through `invoke` and its handles is counted in the
 * meter of its side (the canary or the baseline) until the verdict. Only
 * canaries make these; without one, calls never pass here.
 * @internal
 */
export class MeteredGeneration<T extends Contract = Contract> extends Generation<T> {
  readonly #meter: Meter;
  readonly #switch: MeterSwitch;
  readonly #handles = new Map<PluginKey, MeteredHandle>();
  #last: Binding | undefined;
  #lastPlugin = '';

  constructor(base: Generation<T>, meter: Meter, counting: MeterSwitch) {
    super(base.id, base.versions, base.vault);
    this.#meter = meter;
    this.#switch = counting;
  }

  override invoke<N extends PluginName<T>, K extends FunctionName<FunctionsOf<T, N>>>(
    plugin: N,
    fn: K,
    ...params: Params<FunctionsOf<T, N>[K]>
  ): Result<FunctionsOf<T, N>[K]>;
  override invoke(plugin: string, fn: string, ...params: unknown[]): unknown {
    return this.#call(plugin, fn, params);
  }

  override handle<N extends PluginName<T>>(name: N): PluginHandle<FunctionsOf<T, N>, N> {
    const key = keyOf(name);
    let handle = this.#handles.get(key);
    if (handle === undefined) {
      const invoke = (fn: string, ...params: unknown[]): unknown => this.#call(name, fn, params);
      handle = { name, invoke, fn: (fn) => (...params) => this.#call(name, fn, params) };
      this.#handles.set(key, handle);
    }
    return typed<FunctionsOf<T, N>, N>(handle);
  }

  /** The untyped call the swapper's handles make while a canary runs: metered too. @internal */
  override invokeByName(plugin: string, fn: string, params: unknown[]): unknown {
    return this.#call(plugin, fn, params);
  }

  /** The binding of the pair named last time: a call site passes the same names each time. */
  #bindingOf(plugin: string, fn: string): Binding | undefined {
    const last = this.#last;
    if (last !== undefined && last.fn === fn && this.#lastPlugin === plugin) return last;
    const version = this.versionOf(plugin);
    if (version === undefined) return undefined;
    const binding = version.binding(fn);
    this.#last = binding;
    this.#lastPlugin = plugin;
    return binding;
  }

  #call(plugin: string, fn: string, params: unknown[]): unknown {
    if (!this.#switch.on) return super.invokeByName(plugin, fn, params);
    const meter = this.#meter;
    const started = meter.start();
    let result: unknown;
    try {
      const binding = this.#bindingOf(plugin, fn);
      // No such plugin: the base class throws its error, which is counted like any failed call.
      result = binding === undefined ? super.invokeByName(plugin, fn, params) : callWith(binding, params);
    } catch (error) {
      meter.record(started, true);
      throw error;
    }
    if (!isPromiseLike(result)) {
      meter.record(started, false);
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        meter.record(started, false);
        return value;
      },
      (error: unknown) => {
        meter.record(started, true);
        throw error;
      },
    );
  }
}
