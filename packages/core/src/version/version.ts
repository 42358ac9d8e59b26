import type { Manifest } from '../artifact.js';
import type { PluginInfo, TeardownStage, VersionInit } from './info.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import { mapErrorStack } from '../loader/source-map.js';
import type { ImportSpec, PluginContext, PluginDefinition } from '../plugin.js';
import type { Vault } from '../vault.js';
import { VersionContext } from './context.js';
import { Lifecycle, type VersionState } from './lifecycle.js';
import { guardSignal } from './signal.js';

export type { VersionState } from './lifecycle.js';
export type { PluginInfo, TeardownStage, VersionInit } from './info.js';

/** A function of a plugin, as the framework calls it. */
type Callable = (...args: unknown[]) => unknown;

/**
 * One evaluated version of one plugin, from its load to its OnFree. It owns
 * the version's definition, context and abort signal, counts the calls in
 * flight in it, and moves through its {@link Lifecycle}.
 * @internal
 */
export class PluginVersion implements PluginInfo {
  /** The digest of the whole artifact this version came from. */
  readonly digest: string;
  readonly manifest: Manifest;
  readonly definition: PluginDefinition;
  readonly context: PluginContext;
  reloadable = true;
  exported: unknown = undefined;
  importSpec: ImportSpec = {};
  inflight = 0;
  /**
   * The position of this version's OnLoad in its reload, once OnLoad has
   * started: a failed reload gives OnFree to the versions that have one, in
   * reverse order.
   */
  loadOrder: number | undefined = undefined;
  /** Milliseconds spent in each step, for the reload details. */
  readonly timings: Record<string, number> = {};
  readonly imports: Record<string, unknown> = {};
  /** The live functions and types this version's bundle defines, by name. */
  live: Readonly<Record<string, unknown>> = {};
  #vault: Vault;
  readonly #life: Lifecycle;
  readonly #controller = new AbortController();
  readonly #abortListeners: { listeners(): number };
  readonly #functions: Record<string, Callable> | undefined;
  readonly #teardowns: Array<() => unknown> = [];
  readonly #releaseSourceMap: () => void;
  readonly #onTeardownFailure: VersionInit['onTeardownFailure'];
  #onDrained: (() => void) | undefined;

  constructor(init: VersionInit) {
    this.manifest = init.manifest;
    this.digest = init.digest;
    this.definition = init.definition;
    this.#vault = init.vault;
    this.#releaseSourceMap = init.releaseSourceMap ?? (() => {});
    this.#onTeardownFailure = init.onTeardownFailure;
    this.#functions = init.definition.functions;
    const observe = init.observe;
    this.#life = new Lifecycle(observe === undefined ? undefined : (to) => observe(this, to));
    this.#abortListeners = guardSignal(this.#controller.signal, (error) => this.#teardownFailed('abort', error));
    this.context = new VersionContext(this, init.data, init.log, init.generation);
  }

  get name(): string {
    return this.manifest.name;
  }

  get version(): string {
    return this.manifest.version;
  }

  get buildStamp(): string {
    return this.manifest.buildStamp;
  }

  get hash(): string {
    return this.manifest.hash;
  }

  get state(): VersionState {
    return this.#life.state;
  }

  /** The vault of the newest generation this version belongs to. */
  get vault(): Vault {
    return this.#vault;
  }

  /** Aborted when this version retires, or when the reload that made it fails. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether aborting this version's signal runs any plugin code. */
  get hasAbortListeners(): boolean {
    return this.#abortListeners.listeners() > 0;
  }

  /** Joins the vault of a generation being built, or goes back to the serving one's on rollback. */
  join(vault: Vault): void {
    this.#vault = vault;
  }

  /** The version is swapped in. */
  serve(): void {
    this.#life.move('serving');
  }

  /** The version is swapped out: its signal is aborted and its calls drain. */
  retire(): void {
    this.#life.move('retiring');
    this.abort(`plugin "${this.name}" ${this.version} retired`);
  }

  /** The version's OnFree has run; what it alone needed, its source map among them, is dropped. */
  free(): void {
    this.#life.move('freed');
    this.#releaseSourceMap();
  }

  /** The reload that made the version failed and every teardown of it has run. */
  discard(): void {
    this.#life.move('discarded');
    this.#releaseSourceMap();
  }

  /** Aborts the version's signal (once); its listeners run contained. */
  abort(reason: string): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new Error(reason));
  }

  /** Registers a teardown to run when the version retires or is discarded (`ctx.onRetire`). */
  onRetire(teardown: () => unknown): void {
    if (typeof teardown !== 'function') {
      throw new HotswapError(ErrorCodes.INVALID_OPTION, `plugin "${this.name}": ctx.onRetire needs a function, got ${typeof teardown}.`, {
        plugin: this.name,
      });
    }
    this.#teardowns.push(teardown);
  }

  /** The registered teardowns, last registered first, each to run once; the list is emptied. */
  takeTeardowns(): Array<() => unknown> {
    return this.#teardowns.splice(0).reverse();
  }

  /** Reports a failed teardown piece; never throws. */
  teardownFailed(stage: TeardownStage, error: unknown): void {
    this.#teardownFailed(stage, error);
  }

  #teardownFailed(stage: TeardownStage, error: unknown): void {
    try {
      this.#onTeardownFailure?.(this, stage, error);
    } catch {
      // The reporter is the framework's own; nothing may escape a teardown.
    }
  }

  /**
   * Calls a function of this version by name, through its InvokeFunc. The
   * call counts as in flight until it returns, or until the promise it
   * returns settles. A plugin's own error reaches the caller unchanged.
   */
  invoke(fn: string, ...params: unknown[]): unknown {
    if (this.#life.ended) throw this.#gone(fn);
    const invokeFunc = this.definition.invokeFunc;
    if (invokeFunc !== undefined) return this.callTarget(invokeFunc as Callable, this.definition, fn, ...params);
    const functions = this.#functions;
    const target = functions?.[fn];
    if (typeof target !== 'function') throw this.#notFound(fn);
    return this.callTarget(target, functions, ...params);
  }

  /**
   * The function `invoke(fn)` reaches, with the `this` to call it with: for a
   * handle to keep and call again without looking it up.
   */
  bind(fn: string): [Callable, unknown] {
    const invokeFunc = this.definition.invokeFunc;
    if (invokeFunc !== undefined) {
      const definition = this.definition;
      const call = (...params: unknown[]): unknown => invokeFunc.call(definition, fn, ...params);
      Object.defineProperty(call, 'name', { value: fn });
      return [call, undefined];
    }
    const target = this.#functions?.[fn];
    if (typeof target !== 'function') throw this.#notFound(fn);
    return [target, this.#functions];
  }

  /**
   * `fn` wrapped so each call counts as in flight in this version. Made here,
   * not in a caller's scope, so the wrapper holds this version and `fn` only.
   */
  tracked(fn: (...args: never[]) => unknown): (...params: never[]) => unknown {
    return (...params) => this.callTarget(fn as Callable, undefined, ...params);
  }

  /**
   * The hot path of every call into the version: counts it in flight until it
   * returns, or until the promise it returns settles. A plugin's own error
   * reaches the caller unchanged, its stack mapped to the plugin's source.
   */
  callTarget(target: Callable, self: unknown, ...params: unknown[]): unknown {
    if (this.#life.ended) throw this.#gone(this.#nameOf(target));
    this.inflight++;
    let result: unknown;
    try {
      // Rest in, spread out: V8 passes the arguments through without an array (Reflect.apply with one costs 4x).
      result = target.call(self, ...params);
    } catch (error) {
      this.#settled();
      mapErrorStack(error);
      throw error;
    }
    if ((typeof result === 'object' && result !== null) || typeof result === 'function') {
      if (typeof (result as { then?: unknown }).then === 'function') return this.#whenSettled(result as PromiseLike<unknown>);
    }
    this.#settled();
    return result;
  }

  /** Counts one more call in flight until `release()` is called: a host's hold on this version. */
  hold(): () => void {
    if (this.#life.ended) throw this.#gone('hold');
    this.inflight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#settled();
    };
  }

  /** Whether `invoke(fn)` would reach a function rather than fail with HOTSWAP_FUNC_NOT_FOUND. */
  offers(fn: string): boolean {
    if (this.definition.invokeFunc !== undefined) return true;
    return typeof this.#functions?.[fn] === 'function';
  }

  /** Resolves once no call is in flight in this version. */
  drained(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#onDrained;
      this.#onDrained = () => {
        previous?.();
        resolve();
      };
    });
  }

  // Only on the error path: the name the caller asked for, found from the function it reached.
  #nameOf(target: Callable): string {
    for (const [name, fn] of Object.entries(this.#functions ?? {})) if (fn === target) return name;
    return target.name === '' ? 'a function' : target.name;
  }

  #notFound(fn: string): HotswapError {
    return new HotswapError(
      ErrorCodes.FUNC_NOT_FOUND,
      `plugin "${this.name}" has no function "${fn}". It offers: ${Object.keys(this.#functions ?? {}).join(', ') || 'none'}.`,
      { plugin: this.name, stage: 'invoke', fn, offered: Object.keys(this.#functions ?? {}) },
    );
  }

  #gone(fn: string): HotswapError {
    return new HotswapError(
      ErrorCodes.VERSION_FREED,
      `plugin "${this.name}" ${this.version} (build ${this.buildStamp}) was ${this.state === 'freed' ? 'retired and freed' : 'discarded by a failed reload'}, so "${fn}" cannot run on it. ` +
        'Take the current generation (swapper.current) for each call instead of keeping an old one.',
      { plugin: this.name, stage: 'invoke' },
    );
  }

  #whenSettled(result: PromiseLike<unknown>): Promise<unknown> {
    return Promise.resolve(result).then(
      (value) => {
        this.#settled();
        return value;
      },
      (error: unknown) => {
        this.#settled();
        mapErrorStack(error);
        throw error;
      },
    );
  }

  #settled(): void {
    this.inflight--;
    if (this.inflight === 0 && this.#onDrained !== undefined) {
      const done = this.#onDrained;
      this.#onDrained = undefined;
      done();
    }
  }
}
