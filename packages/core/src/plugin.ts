import type { Logger } from './logger.js';
import type { Vault } from './vault.js';

/**
 * The types a host shares with its plugins. A host declares one interface
 * and both sides name it: `Swapper<HelloTypes>` and
 * `definePlugin<HelloTypes>({...})`.
 */
export interface HostTypes {
  /** What the host passes to `load(data)` and `reload(data)`; plugins see it in OnLoad. */
  data?: unknown;
  /** The vault's extension object, made afresh for every generation. */
  extension?: unknown;
  /** The vault's data bag, one object shared by every generation. */
  bag?: object;
  /** Plugin side: what this plugin imports, by plugin name (types from a shared contract module). */
  imports?: object;
  /** Plugin side: what this plugin's Export hook returns to its importers. */
  exports?: unknown;
  /** Plugin side: the in-memory state a version hands to its successor (see `giveState`). */
  state?: unknown;
}

/** The `data` type of a {@link HostTypes}. */
export type DataOf<T extends HostTypes> = T extends { data: infer D } ? D : unknown;
/** The `extension` type of a {@link HostTypes}. */
export type ExtensionOf<T extends HostTypes> = T extends { extension: infer E } ? E : unknown;
/** The `bag` type of a {@link HostTypes}. */
export type BagOf<T extends HostTypes> = T extends { bag: infer B extends object } ? B : Record<string, unknown>;

/** The `imports` type of a {@link HostTypes}. */
export type ImportsOf<T extends HostTypes> = T extends { imports: infer I extends object } ? I : Record<string, unknown>;
/** The `exports` type of a {@link HostTypes}. */
export type ExportsOf<T extends HostTypes> = T extends { exports: infer E } ? E : unknown;

/** The `state` type of a {@link HostTypes}. */
export type StateOf<T extends HostTypes> = T extends { state: infer S } ? S : unknown;

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
 * Functions a plugin offers to `invoke` by name. `FunctionTable<F>` checks
 * that every member of `F` is a function, so an interface from a contract
 * module (which has no index signature) fits too.
 */
export type FunctionTable<F = Record<string, unknown>> = { [K in keyof F]: (...params: never[]) => unknown };

/** Plugin names mapped to the semver range of the version each must have (`*` for any). */
export type ImportSpec = Record<string, string>;

/**
 * What every hook of one plugin version receives. It belongs to that version:
 * its `signal` is aborted when the version retires.
 */
export interface PluginContext<T extends HostTypes = HostTypes> {
  /** The plugin's name (its directory name at build time). */
  readonly name: string;
  /** The plugin's version, from its package.json (`0.0.0` when it has none). */
  readonly version: string;
  /** A stamp unique to the build that made this version. */
  readonly buildStamp: string;
  /** The data passed to the load or reload that brought this version in. */
  readonly data: DataOf<T>;
  /**
   * The vault of the newest generation this version belongs to. Its extension
   * is made afresh for each generation, so read it in OnInit, not at load.
   */
  readonly vault: Vault<T>;
  /**
   * What the plugins this version imports exported, by the names its Import
   * declared. Filled before OnLoad; typed by `imports` of the plugin's types.
   */
  readonly imports: Readonly<ImportsOf<T>>;
  /** Aborted when this version retires: stop timers, loops and listeners on it. */
  readonly signal: AbortSignal;
  /** The swapper's logger. */
  readonly log: Logger;
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

/**
 * A plugin: the seven functions of Go's hotswap, every one optional and any
 * of them async. docs/plugin-contract.md maps each to its Go name.
 */
export interface PluginDefinition<T extends HostTypes = HostTypes, Fns extends FunctionTable<Fns> = FunctionTable> {
  /**
   * Whether later builds of this plugin may replace this version (Go's
   * `Reloadable`). Defaults to true. A plugin that is not reloadable is
   * carried over by every reload.
   */
  reloadable?: boolean | ((ctx: PluginContext<T>) => MaybePromise<boolean>);
  /** The object other plugins receive when they import this one (Go's `Export`). */
  export?: (ctx: PluginContext<T>) => MaybePromise<ExportsOf<T>>;
  /** The plugins this one imports, with a semver range on each (Go's `Import`). */
  import?: ImportSpec | ((ctx: PluginContext<T>) => MaybePromise<ImportSpec>);
  /** Runs once when this version is loaded, before it serves (Go's `OnLoad`). */
  onLoad?: (ctx: PluginContext<T>) => MaybePromise<void>;
  /**
   * Runs for every generation this version joins, after the vault of that
   * generation is ready (Go's `OnInit`). Fill `ctx.vault.extension` here.
   */
  onInit?: (ctx: PluginContext<T>) => MaybePromise<void>;
  /** Runs once when this version has retired and its calls have drained (Go's `OnFree`). */
  onFree?: (ctx: PluginContext<T>) => MaybePromise<void>;
  /**
   * Handles `invoke(name, ...params)` (Go's `InvokeFunc`). When omitted,
   * the call goes to `functions[name]`.
   */
  invokeFunc?: (name: string, ...params: unknown[]) => unknown;
  /** Functions callable by name through the default `invokeFunc`. */
  functions?: Fns;
  /**
   * Gives this version's in-memory state to its successor (Erlang's
   * `code_change`, the old half). Runs synchronously at the swap, on the
   * version being replaced (or re-linked), just before the successor takes
   * it; must not change the state. Not called if the successor has no
   * `takeState`.
   */
  giveState?: (ctx: PluginContext<T>) => StateOf<T>;
  /**
   * Takes the state the previous version gave, converting it from
   * `previous.version`'s shape, upward or downward. Runs synchronously at the
   * swap; throwing fails the reload, and the previous version keeps serving
   * with its state untouched.
   */
  takeState?: (previous: Predecessor, ctx: PluginContext<T>) => void;
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
 * Declares a plugin. The entry module of a plugin default-exports the result.
 * It returns its argument unchanged; it exists for the types.
 *
 * @example
 * export default definePlugin<HelloTypes>({
 *   onLoad(ctx) { ctx.log.info(`${ctx.name} loaded`) },
 *   functions: { hum(repeat: number) { return 'hum '.repeat(repeat) } },
 * })
 */
export function definePlugin<T extends HostTypes = HostTypes, Fns extends FunctionTable<Fns> = FunctionTable>(
  definition: PluginDefinition<T, Fns>,
): PluginDefinition<T, Fns> {
  return definition;
}

/**
 * Checks that a value has the shape of a {@link PluginDefinition} and returns
 * a description of the first problem, or undefined when there is none.
 */
export function validateDefinition(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `the entry module's default export must be an object made by definePlugin(), got ${value === null ? 'null' : typeof value}`;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!HOOK_KEYS.has(key)) {
      const near = [...HOOK_KEYS].find((k) => k.toLowerCase() === key.toLowerCase());
      return `unknown key "${key}" in the plugin definition${near === undefined ? '' : ` (did you mean "${near}"?)`}; the keys are ${[...HOOK_KEYS].join(', ')}`;
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
