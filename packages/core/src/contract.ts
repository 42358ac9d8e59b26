// The typed contract a host and its plugins share: which plugins exist, what each
// offers, exports and imports, and the host's data, extension, bag and live things.
// Types only; every other module reads its types from here.
/**
 * A function as a plugin offers it. Declared as a method so that a function
 * with narrower parameters (`(n: number) => string`) still fits.
 */
export type AnyFunction = {
  /** The function. */
  call(...params: never[]): unknown;
}['call'];

/** A function whose parameters are checked loosely: what a plugin without a contract offers. */
export type LooseFunction = {
  /** The function. */
  call(...params: unknown[]): unknown;
}['call'];

/**
 * Functions a plugin offers to `invoke` by name. `FunctionTable<F>` checks
 * that every member of `F` is a function, so an interface from a contract
 * module (which has no index signature) fits too.
 */
export type FunctionTable<F = Record<string, AnyFunction>> = { [K in keyof F]: AnyFunction };

/** One plugin's side of a {@link Contract}: what it offers, exports and imports. */
export interface PluginContract {
  /** The functions it offers to `invoke`, as an interface of functions. */
  functions?: object;
  /** What its Export hook returns to the plugins that import it. */
  exports?: unknown;
  /** The names of the plugins it imports, as a union of string literals. */
  imports?: string;
  /** The in-memory state a version hands to its successor (see `giveState`). */
  state?: unknown;
}

/** The live functions and live types a contract names (Go's `LiveFuncs` and `LiveTypes`). */
export interface LiveContract {
  /** Each live function by its exported name, with its type. */
  functions?: object;
  /** Each live type by its exported name, as the class (`typeof Live_Job`) or a constructor type. */
  types?: object;
}

/**
 * The one declaration a host and its plugins share, written once in a
 * contract module (types only, so no plugin carries a copy). The host names
 * it in `new Swapper<AppContract>(...)`, each plugin in
 * `definePlugin<AppContract, 'name'>(...)`; everything else is inferred
 * from it. Every member is optional: what is left out is typed loosely.
 *
 * @example
 * interface AppContract {
 *   data: { startedAt: string };
 *   plugins: {
 *     alpha: { exports: { pulse(): string } };
 *     gamma: { imports: 'alpha'; functions: { pulse(): string } };
 *   };
 * }
 */
export interface Contract {
  /** What the host passes to `load` and `reload`; plugins read it as `ctx.data`. Make it optional to load without data. */
  data?: unknown;
  /** The vault's extension object, made afresh for every generation. */
  extension?: unknown;
  /** The vault's data bag, one object shared by every generation. */
  bag?: object;
  /** The plugins, by name, with what each offers, exports and imports. */
  plugins?: object;
  /** The live functions and live types, by name. */
  live?: LiveContract;
}

/** The contract of the host-side option types; the same as {@link Contract}. */
export type HostTypes = Contract;

/** The `data` type of a contract; `undefined` when it declares none. An optional `data` includes `undefined`. */
export type DataOf<C extends Contract> = 'data' extends keyof C ? C['data'] : undefined;
/** The `extension` type of a contract; `unknown` when it declares none. */
export type ExtensionOf<C extends Contract> = C extends { extension?: infer E } ? E : unknown;
/** The `bag` type of a contract. */
export type BagOf<C extends Contract> = C extends { bag?: infer B extends object } ? (object extends B ? Record<string, unknown> : B) : Record<string, unknown>;

/** The plugins a contract declares, by name; an empty object when it declares none. */
export type PluginsOf<C extends Contract> = C extends { plugins?: infer P extends object } ? (object extends P ? {} : P) : {};
/** Whether a contract declares its plugins: only then are names checked. */
export type Declares<C extends Contract> = keyof PluginsOf<C> extends never ? false : true;

/** The names of the plugins a contract declares; any string when it declares none. */
export type PluginName<C extends Contract = Contract> = Declares<C> extends true ? keyof PluginsOf<C> & string : string;

/** What a contract says of plugin `N`; nothing (every part loose) for a name it does not declare. */
export type PluginOf<C extends Contract, N extends string> = N extends keyof PluginsOf<C> ? PluginsOf<C>[N] & PluginContract : PluginContract;

/** The functions plugin `N` offers; a loose table of functions when the contract does not say. */
export type FunctionsOf<C extends Contract, N extends string> = PluginOf<C, N> extends { functions: infer F extends object } ? F : Record<string, LooseFunction>;
/** What plugin `N`'s Export hook returns; `unknown` when the contract does not say. */
export type ExportsOf<C extends Contract, N extends string> = PluginOf<C, N> extends { exports: infer E } ? E : unknown;
/** The names of the plugins that plugin `N` imports; `never` when the contract does not say. */
export type ImportNamesOf<C extends Contract, N extends string> = PluginOf<C, N> extends { imports: infer I extends string } ? I : never;
/** What plugin `N` receives in `ctx.imports`: each imported plugin's exports, by name. */
export type ImportsOf<C extends Contract, N extends string> = Declares<C> extends true
  ? { readonly [K in ImportNamesOf<C, N>]: ExportsOf<C, K> }
  : Readonly<Record<string, unknown>>;
/** The state plugin `N` hands from one version to the next; `unknown` when the contract does not say. */
export type StateOf<C extends Contract, N extends string> = PluginOf<C, N> extends { state: infer S } ? S : unknown;

/** The live functions of a contract, by name. */
export type LiveFunctionsOf<C extends Contract> = C extends { live?: { functions?: infer F extends object } }
  ? object extends F
    ? Record<string, LooseFunction>
    : F
  : Record<string, LooseFunction>;
/** The live types (classes) of a contract, by name. */
export type LiveTypesOf<C extends Contract> = C extends { live?: { types?: infer T extends object } } ? (object extends T ? {} : T) : {};
/** The instances of a contract's live types: what `wrap()` takes besides plain data. */
export type LiveInstanceOf<C extends Contract> = { [K in keyof LiveTypesOf<C>]: LiveTypesOf<C>[K] extends abstract new (...args: never[]) => infer I ? I : never }[keyof LiveTypesOf<C>];

/**
 * Plugin names mapped to the semver range of the version each must have
 * (`*` for any). Under a contract, exactly the plugins it says `N` imports.
 */
export type ImportSpec<C extends Contract = Contract, N extends string = string> = Declares<C> extends true
  ? [ImportNamesOf<C, N>] extends [never]
    ? { readonly [name: string]: never }
    : { readonly [K in ImportNamesOf<C, N>]: string }
  : Record<string, string>;

