import type { Manifest } from './artifact.js';
import { ErrorCodes, HotswapError } from './errors.js';
import { mapErrorStack } from './loader/source-map.js';
import type { Logger } from './logger.js';
import type { HostTypes, ImportSpec, PluginContext, PluginDefinition } from './plugin.js';
import type { Vault } from './vault.js';

/**
 * Where a version is in its life: `loading` while a reload prepares it,
 * `serving` while a generation holds it, `retiring` once it has been swapped
 * out (its calls drain), `freed` after its OnFree ran, `discarded` when the
 * reload that made it failed.
 */
export type VersionState = 'loading' | 'serving' | 'retiring' | 'freed' | 'discarded';

/** A function of a plugin, as the framework calls it. */
type Callable = (...args: unknown[]) => unknown;

/** What a host sees of one loaded version of a plugin. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly buildStamp: string;
  readonly hash: string;
  readonly reloadable: boolean;
  readonly state: VersionState;
  /** Calls routed into this version that have not returned or settled yet. */
  readonly inflight: number;
  /** What the plugin's Export hook returned. */
  readonly exported: unknown;
}

/**
 * One evaluated version of one plugin, from its load to its OnFree. It owns
 * the version's definition, context and abort signal, and counts the calls
 * in flight in it.
 * @internal
 */
export class PluginVersion implements PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly buildStamp: string;
  readonly hash: string;
  /** The digest of the whole artifact this version came from. */
  readonly digest: string;
  readonly manifest: Manifest;
  readonly definition: PluginDefinition;
  readonly context: PluginContext;
  state: VersionState = 'loading';
  reloadable = true;
  exported: unknown = undefined;
  importSpec: ImportSpec = {};
  inflight = 0;
  /** This version's id in the swapper's census. */
  censusId = 0;
  /**
   * The position of this version's OnLoad in its reload, once OnLoad has
   * started: a failed reload gives OnFree to the versions that have one, in
   * reverse order.
   */
  loadOrder: number | undefined = undefined;
  /** Milliseconds spent in each step, for the reload details. */
  readonly timings: Record<string, number> = {};
  vault: Vault;
  readonly imports: Record<string, unknown> = {};
  /** The live functions and types this version's bundle defines, by name. */
  live: Readonly<Record<string, unknown>> = {};
  readonly #controller = new AbortController();
  readonly #functions: Record<string, Callable> | undefined;

  /** Aborted when this version retires, or when the reload that made it fails. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }
  #onDrained: (() => void) | undefined;

  readonly #releaseSourceMap: () => void;

  constructor(
    manifest: Manifest,
    digest: string,
    definition: PluginDefinition,
    data: unknown,
    vault: Vault,
    log: Logger,
    releaseSourceMap: () => void = () => {},
  ) {
    this.#releaseSourceMap = releaseSourceMap;
    this.#functions = definition.functions as Record<string, Callable> | undefined;
    this.name = manifest.name;
    this.version = manifest.version;
    this.buildStamp = manifest.buildStamp;
    this.hash = manifest.hash;
    this.digest = digest;
    this.manifest = manifest;
    this.definition = definition;
    this.vault = vault;
    this.context = new VersionContext(this, data, log);
  }

  /** Marks the version freed or discarded and drops what it alone needed, its source map among them. */
  end(state: 'freed' | 'discarded'): void {
    this.state = state;
    this.#releaseSourceMap();
  }

  /** Aborts the version's signal: it has retired, or the reload that made it failed. */
  abort(reason: string): void {
    this.#controller.abort(new Error(reason));
  }

  /**
   * Calls a function of this version by name, through its InvokeFunc. The
   * call counts as in flight until it returns, or until the promise it
   * returns settles. A plugin's own error reaches the caller unchanged.
   */
  invoke(fn: string, ...params: unknown[]): unknown {
    if (this.#ended()) throw this.#gone(fn);
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
    if (invokeFunc !== undefined) return [(...params: unknown[]) => invokeFunc.call(this.definition, fn, ...params), undefined];
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
    if (this.#ended()) throw this.#gone(target.name);
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

  /** Freed or discarded: no call may run on it any more. */
  #ended(): boolean {
    return this.state === 'freed' || this.state === 'discarded';
  }

  #notFound(fn: string): HotswapError {
    return new HotswapError(
      ErrorCodes.FUNC_NOT_FOUND,
      `plugin "${this.name}" has no function "${fn}". It offers: ${Object.keys(this.#functions ?? {}).join(', ') || 'none'}.`,
      { plugin: this.name, stage: 'invoke' },
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

  /** Counts one more call in flight until `release()` is called: a host's hold on this version. */
  hold(): () => void {
    if (this.#ended()) throw this.#gone('hold');
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
    const functions = this.definition.functions as Record<string, unknown> | undefined;
    return typeof functions?.[fn] === 'function';
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

  #settled(): void {
    this.inflight--;
    if (this.inflight === 0 && this.#onDrained !== undefined) {
      const done = this.#onDrained;
      this.#onDrained = undefined;
      done();
    }
  }
}

// A class rather than an object literal made in the constructor: a literal's
// getters would keep the constructor's arguments alive, among them the vault
// of the generation that first loaded the version.
class VersionContext implements PluginContext<HostTypes> {
  readonly #version: PluginVersion;
  readonly data: unknown;
  readonly log: Logger;
  readonly signal: AbortSignal;

  constructor(version: PluginVersion, data: unknown, log: Logger) {
    this.#version = version;
    this.data = data;
    this.log = log;
    this.signal = version.signal;
  }

  get name(): string {
    return this.#version.name;
  }

  get version(): string {
    return this.#version.version;
  }

  get buildStamp(): string {
    return this.#version.buildStamp;
  }

  get vault(): Vault {
    return this.#version.vault;
  }

  get imports(): PluginContext['imports'] {
    return this.#version.imports;
  }
}
