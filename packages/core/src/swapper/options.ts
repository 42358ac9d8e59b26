import { createPublicKey, KeyObject } from 'node:crypto';
import { ErrorCodes, HotswapError } from '../errors.js';
import { checkMaxArtifactBytes } from '../loader/file-checks.js';
import type { StaticPlugin } from '../loader/static.js';
import { consoleLogger, isLogLevel, silentLogger, type Logger, type LogLevel } from '../logger.js';
import type { BagOf, DataOf, ExtensionOf, HostTypes } from '../plugin.js';
import type { ReloadCallback } from '../reload/input.js';

/** How a swapper is set up. Only `pluginDir` is required. */
export interface SwapperOptions<T extends HostTypes = HostTypes> {
  /** The directory that holds the plugin artifacts (`*.hotswap.js`). Not needed with `staticPlugins`. */
  pluginDir?: string;
  /**
   * Plugins compiled into the host (the table `hotswap build --static-linking`
   * writes; Go's `WithStaticPlugins`). The swapper then runs them with the same
   * lifecycle, dependencies and vault, and refuses to reload.
   */
  staticPlugins?: readonly StaticPlugin[];
  /**
   * Modules the host shares with its plugins, by the specifier the plugins
   * import them with (and build with `--shared`). `@hotswap/core` is always
   * shared.
   */
  shared?: Readonly<Record<string, unknown>>;
  /**
   * Where the swapper logs: any logger in pino's shape (`fastify.log`, a pino
   * logger, `console`, or your own), each line with its fields (plugin,
   * version, build, generation, stage); `false` for nowhere. Defaults to the
   * built-in logger on stderr, at `logLevel`.
   */
  logger?: Logger | false;
  /** The level of the built-in logger: `debug`, `info` (the default), `warn`, `error` or `silent`. A logger you pass filters by its own level. */
  logLevel?: LogLevel;
  /** Milliseconds a retired version waits, once drained, before its OnFree. Default 1000. */
  freeDelay?: number;
  /** Longest a retired version waits for its calls to drain before OnFree runs anyway. Default 60000. */
  maxFreeWait?: number;
  /**
   * Longest any one hook may run before the reload fails. Default 10000. Top-level
   * code and the synchronous part of every hook are interrupted at this limit too
   * (see `boundSync`).
   */
  hookTimeout?: number;
  /**
   * Interrupt synchronous plugin code (top level, hooks, teardown) that runs past
   * `hookTimeout`, an endless loop included. Default true; it costs about 0.07 ms
   * per stage of a reload.
   */
  boundSync?: boolean;
  /** Runs before every swap, the first load included; may veto (Go's `WithReloadCallback`). */
  reloadCallback?: ReloadCallback<T>;
  /** Makes the vault's extension object, once per generation (Go's `WithExtensionNewer`). */
  extension?: () => ExtensionOf<T>;
  /** The vault's data bag, shared by every generation. Defaults to an empty object. */
  bag?: BagOf<T>;
  /** Only these plugins are loaded (names compared without case) (Go's `WithWhitelist`). */
  whitelist?: readonly string[];
  /**
   * Milliseconds after a version's OnFree to check that it was garbage
   * collected; one still alive is reported (`version:leak` and a warning).
   * `false` turns the check off. Default 30000.
   */
  leakTimeout?: number | false;
  /**
   * The shortest time, in milliseconds, between two leak checks. Checks that
   * come due sooner wait and are made together; where the host runs with
   * `--expose-gc`, each check forces one full collection first, so this is
   * also the most often the swapper ever forces one. Default: `leakTimeout`.
   */
  leakCheckInterval?: number;
  /**
   * An Ed25519 public key (PEM text or KeyObject): when set, only artifacts
   * signed with the matching private key (`hotswap build --sign`) load, and an
   * artifact built before the version it would replace is refused as a replay
   * unless the reload asks for a rollback.
   */
  publicKey?: string | KeyObject;
  /** Load from a plugin directory, or artifacts, that other users may write to or own. Off by default. */
  allowInsecurePluginDir?: boolean;
  /** The largest artifact the swapper reads, in bytes. Default 64 MiB. */
  maxArtifactBytes?: number;
  /**
   * Longest a reload made with `prepare()` may stay prepared, neither
   * committed nor aborted, before it aborts itself. Default 30000.
   */
  prepareTimeout?: number;
}

/**
 * Options of one reload. Leave `data` out to reload with the data of the
 * previous load or reload; give it to reload with new data, or with
 * `undefined` to reload with none (where the contract allows none).
 */
export interface ReloadOptions<T extends HostTypes = HostTypes> {
  /** The data the new versions see as `ctx.data`; when left out, the previous load's or reload's. */
  data?: DataOf<T>;
  /** One more callback, run after the swapper's own (Go's `ReloadWithCallback`). */
  callback?: ReloadCallback<T>;
  /**
   * Allow an artifact whose signed build time is older than the version it
   * replaces: an explicit rollback. Without it, a signing host refuses such an
   * artifact as a replay (`HOTSWAP_ARTIFACT_REPLAYED`).
   */
  rollback?: boolean;
}

/** Options of `swapper.prepare()`: those of a reload, and its own time limit. */
export interface PrepareOptions<T extends HostTypes = HostTypes> extends ReloadOptions<T> {
  /** Milliseconds it may stay prepared before it aborts itself; defaults to the swapper's `prepareTimeout`. */
  timeoutMs?: number;
}

/** The arguments of `load`: the data, which may be left out where the contract allows none. */
export type LoadArgs<T extends HostTypes> = undefined extends DataOf<T> ? [data?: DataOf<T>] : [data: DataOf<T>];

/** The options with every default filled in. @internal */
export interface Settings {
  log: Logger;
  freeDelay: number;
  maxFreeWait: number;
  hookTimeout: number;
  boundSync: boolean;
  leakTimeout: number | false;
  leakCheckInterval: number;
  publicKey: KeyObject | undefined;
  prepareTimeout: number;
}

/** Checks the options (HOTSWAP_INVALID_OPTION) and fills in the defaults. @internal */
export function settle(options: SwapperOptions): Settings {
  checkOptions(options);
  return {
    log: options.logger === false ? silentLogger : (options.logger ?? consoleLogger('[hotswap]', options.logLevel ?? 'info')),
    freeDelay: options.freeDelay ?? 1000,
    maxFreeWait: options.maxFreeWait ?? 60_000,
    hookTimeout: options.hookTimeout ?? 10_000,
    boundSync: options.boundSync ?? true,
    leakTimeout: options.leakTimeout ?? 30_000,
    leakCheckInterval: options.leakCheckInterval ?? (options.leakTimeout === false ? 0 : (options.leakTimeout ?? 30_000)),
    publicKey: publicKeyOf(options.publicKey),
    prepareTimeout: options.prepareTimeout ?? 30_000,
  };
}

function checkOptions(options: SwapperOptions): void {
  const bad = (message: string): never => {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, message);
  };
  if (typeof options !== 'object' || options === null) bad('new Swapper(options) needs an options object.');
  if (options.staticPlugins !== undefined) {
    if (!Array.isArray(options.staticPlugins)) bad('`staticPlugins` must be an array (the table hotswap build --static-linking writes).');
  } else if (typeof options.pluginDir !== 'string' || options.pluginDir === '') {
    bad('the swapper needs `pluginDir`: the directory that holds the plugin artifacts.');
  }
  const leak = options.leakTimeout;
  if (leak !== undefined && leak !== false && (typeof leak !== 'number' || !Number.isFinite(leak) || leak < 0)) {
    bad(`\`leakTimeout\` must be a number of milliseconds or false; got ${String(leak)}.`);
  }
  for (const key of ['freeDelay', 'maxFreeWait', 'hookTimeout', 'prepareTimeout', 'leakCheckInterval'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      bad(`\`${key}\` must be a number of milliseconds, 0 or more; got ${String(value)}.`);
    }
  }
  if (options.maxArtifactBytes !== undefined) checkMaxArtifactBytes(options.maxArtifactBytes);
  checkLogger(options, bad);
  if (options.boundSync !== undefined && typeof options.boundSync !== 'boolean') bad('`boundSync` must be true or false.');
  if (options.whitelist !== undefined && !Array.isArray(options.whitelist)) {
    bad('`whitelist` must be an array of plugin names.');
  }
  if (options.extension !== undefined && typeof options.extension !== 'function') {
    bad('`extension` must be a function that returns a new extension object.');
  }
  if (options.shared !== undefined && (typeof options.shared !== 'object' || options.shared === null)) {
    bad('`shared` must be an object of module specifiers to module objects.');
  }
}

function publicKeyOf(key: string | KeyObject | undefined): KeyObject | undefined {
  if (key === undefined) return undefined;
  let object: KeyObject;
  try {
    object = key instanceof KeyObject ? key : createPublicKey(key);
  } catch (error) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`publicKey\` is not a public key: ${(error as Error).message}.`, { cause: error });
  }
  if (object.asymmetricKeyType !== 'ed25519') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`publicKey\` must be an Ed25519 key, got ${String(object.asymmetricKeyType)}.`);
  }
  return object;
}

/** A prepared reload's time limit: the one asked for, checked, or the default; at most what a timer can hold. @internal */
export function timeoutOf(asked: number | undefined, fallback: number): number {
  if (asked !== undefined && (typeof asked !== 'number' || Number.isNaN(asked) || asked <= 0)) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`timeoutMs\` must be a number of milliseconds above 0; got ${String(asked)}.`);
  }
  return Math.min(asked ?? fallback, 2 ** 31 - 1);
}

function checkLogger(options: SwapperOptions, bad: (message: string) => never): void {
  const { logger, logLevel } = options;
  if (logLevel !== undefined && !isLogLevel(logLevel)) bad(`\`logLevel\` must be debug, info, warn, error or silent; got ${String(logLevel)}.`);
  if (logger === undefined || logger === false) return;
  if (typeof logger !== 'object' || logger === null) bad('`logger` must be a logger (debug, info, warn and error methods, as pino has) or false.');
  const missing = (['debug', 'info', 'warn', 'error'] as const).filter((level) => typeof logger[level] !== 'function');
  if (missing.length > 0) bad(`\`logger\` has no ${missing.join(', ')} method: give a pino logger, console, or an object with debug, info, warn and error.`);
  if (logLevel !== undefined) bad('`logLevel` sets the built-in logger\'s level; with your own `logger`, set the level on it instead.');
}
