import type { PluginLogger } from './logger.js';
import type { Vault } from './vault.js';
import type {
  AnyFunction,
  Contract,
  DataOf,
  ExportsOf,
  FunctionsOf,
  ImportSpec,
  ImportNamesOf,
  ImportsOf,
  LooseFunction,
  PluginName,
  PluginOf,
  StateOf,
} from './contract.js';

export type * from './contract.js';

/** What a successor is told about the state it takes. */
export interface Predecessor {
  /** The state the previous version gave, not yet checked: validate it before use. */
  state: unknown;
  /** The previous version's semver version, to convert from older or newer shapes. */
  version: string;
  /** The previous version's build stamp. */
  buildStamp: string;
}

/** A value, or a promise of it: every hook may be async. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What every hook of one plugin version receives. It belongs to that version:
 * its `signal` is aborted when the version retires.
 */
export interface PluginContext<C extends Contract = Contract, N extends string = string> {
  /** The plugin's name (its directory name at build time). */
  readonly name: N;
  /** The plugin's version, from its package.json (`0.0.0` when it has none). */
  readonly version: string;
  /** A stamp unique to the build that made this version. */
  readonly buildStamp: string;
  /** The data passed to the load or reload that brought this version in. */
  readonly data: DataOf<C>;
  /**
   * The vault of the newest generation this version belongs to. Its extension
   * is made afresh for each generation, so read it in OnInit, not at load.
   */
  readonly vault: Vault<C>;
  /**
   * What the plugins this version imports exported, by the names its Import
   * declared. Filled before OnLoad; typed by the contract's `imports` of `N`.
   */
  readonly imports: ImportsOf<C, N>;
  /** Aborted when this version retires: stop timers, loops and listeners on it. */
  readonly signal: AbortSignal;
  /** The swapper's logger, with this version's plugin, version, build and generation on every line. */
  readonly log: PluginLogger;
  /**
   * Registers a teardown that runs when this version retires or the reload
   * that made it fails: right after `signal` is aborted, before its calls
   * drain and before OnFree. Teardowns run last registered first, each
   * isolated (one that throws or rejects is reported as
   * `version:teardown-failure` and the rest still run) and each limited to
   * the swapper's `hookTimeout`.
   */
  onRetire(teardown: () => unknown): void;
}

/** The hooks every plugin may define, typed by its contract. */
export interface PluginHooks<C extends Contract = Contract, N extends string = string> {
  /**
   * Whether later builds of this plugin may replace this version (Go's
   * `Reloadable`). Defaults to true. A plugin that is not reloadable is
   * carried over by every reload.
   */
  reloadable?: boolean | ((ctx: PluginContext<C, N>) => MaybePromise<boolean>);
  /** The object other plugins receive when they import this one (Go's `Export`). */
  export?: (ctx: PluginContext<C, N>) => MaybePromise<ExportsOf<C, N>>;
  /** The plugins this one imports, with a semver range on each (Go's `Import`). */
  import?: ImportSpec<C, N> | ((ctx: PluginContext<C, N>) => MaybePromise<ImportSpec<C, N>>);
  /** Runs once when this version is loaded, before it serves (Go's `OnLoad`). */
  onLoad?: (ctx: PluginContext<C, N>) => MaybePromise<void>;
  /**
   * Runs for every generation this version joins, after the vault of that
   * generation is ready (Go's `OnInit`). Fill `ctx.vault.extension` here.
   */
  onInit?: (ctx: PluginContext<C, N>) => MaybePromise<void>;
  /** Runs once when this version has retired and its calls have drained (Go's `OnFree`). */
  onFree?: (ctx: PluginContext<C, N>) => MaybePromise<void>;
  /**
   * Gives this version's in-memory state to its successor (Erlang's
   * `code_change`, the old half). Runs synchronously at the swap, on the
   * version being replaced (or re-linked), just before the successor takes
   * it; must not change the state. Not called if the successor has no
   * `takeState`.
   */
  giveState?: (ctx: PluginContext<C, N>) => StateOf<C, N>;
  /**
   * Takes the state the previous version gave, converting it from
   * `previous.version`'s shape, upward or downward. Runs synchronously at the
   * swap; throwing fails the reload, and the previous version keeps serving
   * with its state untouched.
   */
  takeState?: (previous: Predecessor, ctx: PluginContext<C, N>) => SyncVoid;
}

/**
 * What a synchronous hook returns: nothing. Not plain `void`, which
 * TypeScript lets any function satisfy, an `async` one included: a promise
 * from `takeState` fails the reload, so its type says so.
 */
export type SyncVoid = void | undefined;

/**
 * A contract's functions as properties, not methods: TypeScript checks a
 * method's parameters both ways (an implementation taking `string` would
 * pass for one declared to take `string | number`), a property's strictly.
 */
export type StrictFunctions<F> = { [K in keyof F]: F[K] extends (...params: infer P) => infer R ? (...params: P) => R : F[K] };

/** Handles `invoke(name, ...params)` itself (Go's `InvokeFunc`), instead of a table of functions. */
export type InvokeFunc = (name: string, ...params: unknown[]) => unknown;

/**
 * How a plugin offers its functions: a table (`functions`), a `setup(ctx)`
 * that returns the table as closures over this version's context (run at the
 * start of OnLoad), or its own `invokeFunc`. Under a contract that declares
 * the plugin's functions, one of them is required and the table must match.
 */
export type PluginFunctions<C extends Contract, N extends string, F extends object = FunctionsOf<C, N>> =
  | { functions?: F; setup?: never; invokeFunc?: never }
  | {
      /** Returns the functions as closures over this version's context; runs at the start of OnLoad. */
      setup?: (ctx: PluginContext<C, N>) => F;
      functions?: never;
      invokeFunc?: never;
    }
  | { invokeFunc?: InvokeFunc; functions?: never; setup?: never };

/** As {@link PluginFunctions}, for a plugin whose functions the contract declares: one of the three is required. */
export type DeclaredFunctions<C extends Contract, N extends string, F extends object = StrictFunctions<FunctionsOf<C, N>>> =
  | { functions: F; setup?: never; invokeFunc?: never }
  | {
      /** Returns the functions as closures over this version's context; runs at the start of OnLoad. */
      setup: (ctx: PluginContext<C, N>) => F;
      functions?: never;
      invokeFunc?: never;
    }
  | { invokeFunc: InvokeFunc; functions?: never; setup?: never };

/**
 * A plugin: the seven functions of Go's hotswap, every one optional and any
 * of them async, and the functions it offers. docs/plugin-contract.md maps
 * each to its Go name.
 */
export type PluginDefinition<C extends Contract = Contract, N extends string = string> = PluginHooks<C, N> &
  (PluginOf<C, N> extends { functions: object } ? DeclaredFunctions<C, N> : PluginFunctions<C, N>) &
  DeclaredImports<C, N>;

/** Under a contract that says plugin `N` imports others, `import` is required: without it `ctx.imports` would be empty. */
export type DeclaredImports<C extends Contract, N extends string> = [ImportNamesOf<C, N>] extends [never]
  ? unknown
  : { import: NonNullable<PluginHooks<C, N>['import']> };

/** A plugin definition as the runtime reads it: hooks and a plain table of functions. @internal */
export interface LoadedDefinition extends PluginHooks {
  functions?: Readonly<Record<string, AnyFunction>>;
  invokeFunc?: InvokeFunc;
}

const HOOK_KEYS = new Set([
  'reloadable',
  'export',
  'import',
  'onLoad',
  'onInit',
  'onFree',
  'invokeFunc',
  'functions',
  'giveState',
  'takeState',
]);

/**
 * Declares a plugin; the entry module of a plugin default-exports the result.
 * Name the contract and the plugin, `definePlugin<AppContract, 'gamma'>(...)`,
 * and every hook, import and function is checked against the contract; with
 * no type arguments, the functions are inferred from the definition.
 *
 * @typeParam F - the functions, inferred from the definition.
 * @example
 * export default definePlugin<AppContract, 'gamma'>({
 *   import: { alpha: '^1.0.0' },
 *   setup: (ctx) => ({ pulse: () => `gamma / ${ctx.imports.alpha.pulse()}` }),
 * })
 */
export function definePlugin<const F extends Record<string, LooseFunction> = Record<string, LooseFunction>>(
  definition: PluginHooks & PluginFunctions<Contract, string, F>,
): PluginHooks & PluginFunctions<Contract, string, F>;
/** Declares plugin `N` of contract `C`: its hooks, imports and functions are checked against the contract. */
export function definePlugin<C extends Contract, N extends PluginName<C>>(definition: PluginDefinition<C, N>): PluginDefinition<C, N>;
export function definePlugin(definition: PluginHooks & { functions?: object; setup?: (ctx: PluginContext) => object; invokeFunc?: InvokeFunc }): object {
  const { setup, ...rest } = definition;
  if (setup === undefined) return definition;
  if (typeof setup !== 'function') return definition;
  // The table is filled in place at the start of OnLoad, before any call can reach the version:
  // the runtime reads `functions` once, when it makes the version.
  const functions: Record<string, unknown> = { ...rest.functions };
  const onLoad = rest.onLoad;
  return {
    ...rest,
    functions,
    onLoad(ctx: PluginContext): MaybePromise<void> {
      const made: unknown = setup(ctx);
      if (typeof made !== 'object' || made === null || Array.isArray(made)) {
        throw new TypeError(`setup() must return an object of functions, got ${made === null ? 'null' : Array.isArray(made) ? 'an array' : typeof made}`);
      }
      if (typeof (made as { then?: unknown }).then === 'function') {
        quiet(made as PromiseLike<unknown>);
        throw new TypeError('setup() returned a promise: it must return the functions at once; do async work in onLoad, and have the functions use its results');
      }
      for (const [name, fn] of Object.entries(made)) {
        if (typeof fn !== 'function') throw new TypeError(`setup() returned functions.${name}, which is ${typeof fn}, not a function`);
        functions[name] = fn;
      }
      return onLoad?.(ctx);
    },
  };
}

/**
 * Marks a promise the runtime refuses (an `async setup`, `giveState` or
 * `takeState`, a promise of a definition) as handled: the refusal is the
 * error reported, and the promise's own rejection, were it left unhandled,
 * would end the host.
 */
export function quiet(value: PromiseLike<unknown>): void {
  try {
    value.then(undefined, () => undefined);
  } catch {
    // A thenable whose then throws has no rejection to leave unhandled.
  }
}

/**
 * Checks that a value has the shape of a {@link PluginDefinition} and returns
 * a description of the first problem, or undefined when there is none.
 */
export function validateDefinition(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `the entry module's default export must be an object made by definePlugin(), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  if (typeof (value as { then?: unknown }).then === 'function') {
    quiet(value as PromiseLike<unknown>);
    return "the entry module's default export is a promise: export the definition itself, `export default definePlugin({ ... })`, and do async work in onLoad";
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return `the entry module's default export must be a plain object made by definePlugin(), got ${kindOf(value)}`;
  }
  const record = value as Record<string, unknown>;
  if ('setup' in record) {
    return 'it has a "setup" key but was not made by definePlugin(): wrap the definition, export default definePlugin({ ... })';
  }
  for (const key of Object.keys(record)) {
    if (!HOOK_KEYS.has(key)) {
      const near = [...HOOK_KEYS].find((k) => k.toLowerCase() === key.toLowerCase());
      return `unknown key "${key}" in the plugin definition${near === undefined ? '' : ` (did you mean "${near}"?)`}; the keys are ${[...HOOK_KEYS, 'setup'].join(', ')}`;
    }
  }
  for (const key of ['export', 'onLoad', 'onInit', 'onFree', 'invokeFunc', 'giveState', 'takeState'] as const) {
    if (record[key] !== undefined && typeof record[key] !== 'function') {
      return `"${key}" must be a function, got ${typeof record[key]}`;
    }
  }
  const reloadable = record['reloadable'];
  if (reloadable !== undefined && typeof reloadable !== 'boolean' && typeof reloadable !== 'function') {
    return `"reloadable" must be a boolean or a function, got ${typeof reloadable}`;
  }
  const imports = record['import'];
  if (imports !== undefined && typeof imports !== 'function' && (typeof imports !== 'object' || imports === null || Array.isArray(imports))) {
    return `"import" must be an object of plugin names to semver ranges such as { alpha: '^1.0.0' }, or a function returning one; got ${Array.isArray(imports) ? 'an array' : imports === null ? 'null' : typeof imports}`;
  }
  const functions = record['functions'];
  if (functions !== undefined) {
    if (typeof functions !== 'object' || functions === null) return `"functions" must be an object of functions`;
    for (const [name, fn] of Object.entries(functions)) {
      if (typeof fn !== 'function') return `functions.${name} must be a function, got ${typeof fn}`;
    }
  }
  return undefined;
}

/** What kind of object a value is, for messages: `a Date`, `a Map`, `an instance of Service`. */
function kindOf(value: object): string {
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object with a prototype of its own';
}
