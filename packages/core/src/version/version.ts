import type { Manifest } from '../artifact.js';
import type { PluginInfo, TeardownStage, VersionInit } from './info.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import type { ImportSpec, PluginContext, PluginDefinition } from '../plugin.js';
import type { Vault } from '../vault.js';
import { Binding, callWith, functionOf, liveCall, mapped, withThis, type Callable } from './calls.js';
import { VersionContext } from './context.js';
import { Lifecycle, type VersionState } from './lifecycle.js';
import { abortContained, guardSignal } from './signal.js';

export type { VersionState } from './lifecycle.js';
export type { PluginInfo, TeardownStage, VersionInit } from './info.js';

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
  /**
   * Made when a plugin first asks for its signal: most never do, and an
   * AbortController with its guard and its abort cost tens of microseconds a
   * version, which a reload of a thousand plugins pays a thousand times.
   */
  #controller: AbortController | undefined;
  /** Why the version was aborted, once it was. */
  #abortReason: string | undefined;
  readonly #functions: Record<string, Callable> | undefined;
  readonly #teardowns: Array<() => unknown> = [];
  /** Whether the teardowns registered so far have been taken to run (the version retired or was discarded). */
  #tornDown = false;
  readonly #releaseSourceMap: () => void;
  readonly #onTeardownFailure: VersionInit['onTeardownFailure'];
  #onDrained: (() => void) | undefined;
  /** Each function bound once, by name; and the live functions' bindings: all refuse calls once the version ends. */
  readonly #bindings = new Map<string, Binding>();
  readonly #live: Binding[] = [];
  // Made once per version, not per call: what an async call's promise runs when it settles.
  readonly #onValue = (value: unknown): unknown => {
    this.#settled();
    return value;
  };
  readonly #onError = (error: unknown): never => {
    this.#settled();
    throw mapped(error);
  };

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
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      guardSignal(controller.signal, (error) => this.#teardownFailed('abort', error));
      // Asked for after the abort: it is aborted already, with the same reason.
      if (this.#abortReason !== undefined) controller.abort(new Error(this.#abortReason));
    }
    return this.#controller.signal;
  }

  /**
   * Whether aborting this version's signal may run plugin code: the plugin
   * took its signal, and may have listeners on it or on a signal derived
   * from it (`AbortSignal.any`), which no count of ours sees.
   */
  get mayRunOnAbort(): boolean {
    return this.#controller !== undefined;
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
    this.#refuseCalls();
    this.#releaseSourceMap();
  }

  /** The reload that made the version failed and every teardown of it has run. */
  discard(): void {
    this.#life.move('discarded');
    this.#refuseCalls();
    this.#releaseSourceMap();
  }

  /** Aborts the version's signal (once); its listeners run contained. */
  abort(reason: string): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    if (this.#controller !== undefined) abortContained(this.#controller, new Error(reason), (error) => this.#teardownFailed('abort', error));
  }

  /** Registers a teardown to run when the version retires or is discarded (`ctx.onRetire`). */
  onRetire(teardown: () => unknown): void {
    if (typeof teardown !== 'function') {
      throw new HotswapError(ErrorCodes.INVALID_OPTION, `plugin "${this.name}": ctx.onRetire needs a function, got ${typeof teardown}.`, {
        plugin: this.name,
      });
    }
    if (this.#tornDown) {
      this.#tearDownLate(teardown);
      return;
    }
    this.#teardowns.push(teardown);
  }

  /** The registered teardowns, last registered first, each to run once; the list is emptied. */
  takeTeardowns(): Array<() => unknown> {
    this.#tornDown = true;
    return this.#teardowns.splice(0).reverse();
  }

  // A teardown registered once the version's teardowns have run (a resource opened late, after an await or in
  // a timer): it runs at once, inside the plugin's own call to onRetire, and what it throws or rejects with is
  // reported like any teardown's failure.
  #tearDownLate(teardown: () => unknown): void {
    try {
      const result: unknown = teardown();
      if (typeof (result as { then?: unknown } | null)?.then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, (error: unknown) => this.#teardownFailed('onRetire', error));
      }
    } catch (error) {
      this.#teardownFailed('onRetire', error);
    }
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
   * Calls a function of this version by name, through its InvokeFunc. Only a
   * call that returns a promise counts as in flight, until it settles. A
   * plugin's own error reaches the caller unchanged.
   */
  invoke(fn: string, ...params: unknown[]): unknown {
    return callWith(this.binding(fn), params);
  }

  /**
   * Function `fn` of this version, bound once (the same binding each time):
   * what every call path calls. Throws HOTSWAP_FUNC_NOT_FOUND for a function
   * the version does not offer, HOTSWAP_VERSION_FREED once it has ended.
   */
  binding(fn: string): Binding {
    const known = this.#bindings.get(fn);
    if (known !== undefined) return known;
    if (this.#life.ended) throw this.#gone(fn);
    const invokeFunc = this.definition.invokeFunc;
    let target: Callable;
    if (invokeFunc !== undefined) {
      target = invokeFunc.bind(this.definition, fn);
    } else {
      const found = functionOf(this.#functions, fn);
      if (found === undefined || typeof found !== 'function') throw this.#notFound(fn);
      target = withThis(found, this.#functions);
    }
    const binding = new Binding(target, this, fn);
    this.#bindings.set(fn, binding);
    return binding;
  }

  /**
   * `fn` wrapped so that a promise it returns counts as in flight in this
   * version until it settles (a live function). Made here, not in a caller's
   * scope, so the wrapper holds this version and `fn` only.
   */
  tracked(fn: (...args: never[]) => unknown): (...params: never[]) => unknown {
    const binding = new Binding(fn as Callable, this, fn.name === '' ? 'a live function' : fn.name);
    this.#live.push(binding);
    return liveCall(binding);
  }

  /**
   * Counts a call's promise in flight until it settles, and returns what the
   * caller awaits: the same outcome, one promise more. A synchronous call is
   * never counted: no swap can happen while it runs.
   */
  track(result: PromiseLike<unknown>): Promise<unknown> {
    this.inflight++;
    return Promise.resolve(result).then(this.#onValue, this.#onError);
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
    return typeof functionOf(this.#functions, fn) === 'function';
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

  // The version has ended: every binding handed out now throws, so a path that kept one needs no check of its own.
  #refuseCalls(): void {
    for (const binding of [...this.#bindings.values(), ...this.#live]) {
      const error = (): never => {
        throw this.#gone(binding.fn);
      };
      binding.target = error;
    }
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

  #settled(): void {
    this.inflight--;
    if (this.inflight === 0 && this.#onDrained !== undefined) {
      const done = this.#onDrained;
      this.#onDrained = undefined;
      done();
    }
  }
}
