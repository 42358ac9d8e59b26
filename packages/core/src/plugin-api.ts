// The plugin side of the core, `@hotswap/core/plugin`: what a plugin may use,
// and the only part of the core a plugin loaded at run time is given. It
// imports nothing of the host side (no swapper, no triggers).

export { definePlugin } from './plugin.js';
export type {
  AnyFunction,
  BagOf,
  Contract,
  DataOf,
  ExportsOf,
  ExtensionOf,
  FunctionsOf,
  FunctionTable,
  ImportNamesOf,
  ImportSpec,
  ImportsOf,
  Declares,
  DeclaredFunctions,
  DeclaredImports,
  InvokeFunc,
  LooseFunction,
  PluginsOf,
  LiveContract,
  LiveFunctionsOf,
  LiveInstanceOf,
  LiveTypesOf,
  MaybePromise,
  PluginContext,
  PluginContract,
  PluginDefinition,
  PluginFunctions,
  PluginHooks,
  PluginName,
  PluginOf,
  Predecessor,
  StateOf,
  StrictFunctions,
  SyncVoid,
} from './plugin.js';
export type { Crossable, LiveFunction, Primitive, Vault } from './vault.js';
export type { LiveClass, LiveData } from './live/data.js';
export { ErrorCodes, HotswapError, isHotswapError } from './errors.js';
export type { AnyHotswapError, BaseDetails, ErrorCode, ErrorDetails, ErrorDetailsMap, HotswapErrorOptions, OptionsArgs, Stage } from './errors.js';
export type { LogFields, Logger, PluginLogger, PluginLogMethod } from './logger.js';
