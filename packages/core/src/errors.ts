import { types } from 'node:util';
import { runBounded, TimedOut } from './loader/bounded.js';
import type { ClusterCanaryStatus, WorkerCanaryReport } from './cluster/canary.js';

/**
 * Every failure the framework reports is a {@link HotswapError} with a stable
 * `code`. The codes are grouped by the area that raises them; docs/errors.md
 * lists each one with what to do about it, and a test keeps the two in step.
 */
export const ErrorCodes = {
  // The plugin directory and the artifacts in it.
  PLUGIN_DIR_MISSING: 'HOTSWAP_PLUGIN_DIR_MISSING',
  PLUGIN_DIR_UNREADABLE: 'HOTSWAP_PLUGIN_DIR_UNREADABLE',
  PLUGIN_DIR_EMPTY: 'HOTSWAP_PLUGIN_DIR_EMPTY',
  DUPLICATE_PLUGIN: 'HOTSWAP_DUPLICATE_PLUGIN',
  WHITELIST_MISSING: 'HOTSWAP_WHITELIST_MISSING',
  ARTIFACT_INVALID: 'HOTSWAP_ARTIFACT_INVALID',
  ARTIFACT_HASH_MISMATCH: 'HOTSWAP_ARTIFACT_HASH_MISMATCH',
  ARTIFACT_INCOMPATIBLE: 'HOTSWAP_ARTIFACT_INCOMPATIBLE',
  ARTIFACT_UNSIGNED: 'HOTSWAP_ARTIFACT_UNSIGNED',
  ARTIFACT_SIGNATURE_INVALID: 'HOTSWAP_ARTIFACT_SIGNATURE_INVALID',
  ARTIFACT_REPLAYED: 'HOTSWAP_ARTIFACT_REPLAYED',
  PLUGIN_DIR_INSECURE: 'HOTSWAP_PLUGIN_DIR_INSECURE',
  ARTIFACT_NOT_A_FILE: 'HOTSWAP_ARTIFACT_NOT_A_FILE',
  ARTIFACT_TOO_LARGE: 'HOTSWAP_ARTIFACT_TOO_LARGE',
  // Releases: a release root, its `current` link and the release manifest.
  RELEASE_INVALID: 'HOTSWAP_RELEASE_INVALID',
  RELEASE_NOT_ACTIVE: 'HOTSWAP_RELEASE_NOT_ACTIVE',
  RELEASE_DIGEST_MISMATCH: 'HOTSWAP_RELEASE_DIGEST_MISMATCH',
  RELEASE_UNSIGNED: 'HOTSWAP_RELEASE_UNSIGNED',
  RELEASE_SIGNATURE_INVALID: 'HOTSWAP_RELEASE_SIGNATURE_INVALID',
  // Evaluating a plugin's code.
  SHARED_MODULE_MISSING: 'HOTSWAP_SHARED_MODULE_MISSING',
  EVALUATE_FAILED: 'HOTSWAP_EVALUATE_FAILED',
  PLUGIN_INVALID: 'HOTSWAP_PLUGIN_INVALID',
  // Dependencies between plugins, checked before any OnLoad runs.
  DEP_UNKNOWN: 'HOTSWAP_DEP_UNKNOWN',
  DEP_REMOVED: 'HOTSWAP_DEP_REMOVED',
  DEP_CYCLE: 'HOTSWAP_DEP_CYCLE',
  DEP_VERSION: 'HOTSWAP_DEP_VERSION',
  DEP_RANGE_INVALID: 'HOTSWAP_DEP_RANGE_INVALID',
  DEP_NOT_RELOADABLE: 'HOTSWAP_DEP_NOT_RELOADABLE',
  // Live functions, live types and live data.
  LIVE_COLLISION: 'HOTSWAP_LIVE_COLLISION',
  LIVE_NOT_FOUND: 'HOTSWAP_LIVE_NOT_FOUND',
  LIVE_DATA_UNSUPPORTED: 'HOTSWAP_LIVE_DATA_UNSUPPORTED',
  // The lifecycle hooks.
  HOOK_FAILED: 'HOTSWAP_HOOK_FAILED',
  HOOK_TIMEOUT: 'HOTSWAP_HOOK_TIMEOUT',
  HANDOFF_FAILED: 'HOTSWAP_HANDOFF_FAILED',
  TEARDOWN_FAILED: 'HOTSWAP_TEARDOWN_FAILED',
  // The reload as a whole.
  NOT_LOADED: 'HOTSWAP_NOT_LOADED',
  ALREADY_LOADED: 'HOTSWAP_ALREADY_LOADED',
  RELOAD_VETOED: 'HOTSWAP_RELOAD_VETOED',
  RELOAD_CALLBACK_FAILED: 'HOTSWAP_RELOAD_CALLBACK_FAILED',
  RELOAD_CALLBACK_TIMEOUT: 'HOTSWAP_RELOAD_CALLBACK_TIMEOUT',
  RELOAD_FAILED: 'HOTSWAP_RELOAD_FAILED',
  RELOAD_ABORTED: 'HOTSWAP_RELOAD_ABORTED',
  CANARY_REFUSED: 'HOTSWAP_CANARY_REFUSED',
  CANARY_ROLLED_BACK: 'HOTSWAP_CANARY_ROLLED_BACK',
  CANARY_DECIDED: 'HOTSWAP_CANARY_DECIDED',
  INVALID_OPTION: 'HOTSWAP_INVALID_OPTION',
  STATIC_RELOAD: 'HOTSWAP_STATIC_RELOAD',
  // Calling into plugins.
  PLUGIN_NOT_FOUND: 'HOTSWAP_PLUGIN_NOT_FOUND',
  FUNC_NOT_FOUND: 'HOTSWAP_FUNC_NOT_FOUND',
  VERSION_FREED: 'HOTSWAP_VERSION_FREED',
  REQUEST_NOT_HELD: 'HOTSWAP_REQUEST_NOT_HELD',
  // Reload triggers: signals, pid files, watched files and the admin endpoint.
  TRIGGER_FAILED: 'HOTSWAP_TRIGGER_FAILED',
  ADMIN_UNAUTHORIZED: 'HOTSWAP_ADMIN_UNAUTHORIZED',
  ADMIN_BAD_REQUEST: 'HOTSWAP_ADMIN_BAD_REQUEST',
  ADMIN_LISTEN_FAILED: 'HOTSWAP_ADMIN_LISTEN_FAILED',
  PID_FILE_UNWRITABLE: 'HOTSWAP_PID_FILE_UNWRITABLE',
  PID_FILE_INVALID: 'HOTSWAP_PID_FILE_INVALID',
  PID_FILE_STALE: 'HOTSWAP_PID_FILE_STALE',
  // One reload across the workers of a cluster.
  CLUSTER_ABORTED: 'HOTSWAP_CLUSTER_ABORTED',
  CLUSTER_ROLE: 'HOTSWAP_CLUSTER_ROLE',
  CLUSTER_UNREACHABLE: 'HOTSWAP_CLUSTER_UNREACHABLE',
  RELEASE_UNRESOLVED: 'HOTSWAP_RELEASE_UNRESOLVED',
} as const;

/** One of the stable error codes of the core runtime. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The step of a reload, or of a call, at which an error happened. */
export type Stage =
  | 'scan'
  | 'verify'
  | 'evaluate'
  | 'reloadable'
  | 'export'
  | 'import'
  | 'link'
  | 'onLoad'
  | 'vault'
  | 'live'
  | 'onInit'
  | 'giveState'
  | 'takeState'
  | 'onFree'
  | 'abort'
  | 'onRetire'
  | 'callback'
  | 'invoke'
  | 'build';

const BRAND = Symbol.for('hotswap.error');

/** What every {@link HotswapError} says besides its message: the plugin and the stage, when they apply. */
export interface BaseDetails {
  /** The plugin the error is about, when there is one. */
  plugin?: string | undefined;
  /** The step at which it happened. */
  stage?: Stage | undefined;
}

/**
 * The facts a code carries beyond {@link BaseDetails}, by code: what its
 * message says, as data. A code without an entry carries only the base.
 */
export interface ErrorDetailsMap {
  HOTSWAP_ARTIFACT_HASH_MISMATCH: { /** The hash the manifest records. */ expected: string; /** The hash of the bundle as read. */ actual: string };
  HOTSWAP_RELEASE_DIGEST_MISMATCH: { /** The release the manifest belongs to. */ release: string; /** The digest release.json lists. */ expected: string; /** The digest of the artifact as read. */ actual: string };
  HOTSWAP_ARTIFACT_INCOMPATIBLE: { /** The core version the artifact was built against. */ built: string; /** This host's core version. */ core: string };
  HOTSWAP_DUPLICATE_PLUGIN: { /** The names (or paths) that collide. */ names: readonly string[] };
  HOTSWAP_SHARED_MODULE_MISSING: { /** The specifier the plugin imports. */ specifier: string };
  HOTSWAP_DEP_UNKNOWN: { /** The plugin it imports. */ dependency: string };
  HOTSWAP_DEP_REMOVED: { /** The plugin it imports. */ dependency: string };
  HOTSWAP_DEP_CYCLE: { /** The cycle, its first name repeated at the end: `['a', 'b', 'a']`. */ cycle: readonly string[] };
  HOTSWAP_DEP_VERSION: { /** The plugin it imports. */ dependency: string; /** The semver range it asks for. */ range: string; /** The version found. */ found: string };
  HOTSWAP_DEP_RANGE_INVALID: { /** The plugin it imports. */ dependency: string; /** What it gave instead of a range. */ range: unknown };
  HOTSWAP_DEP_NOT_RELOADABLE: { /** The reloadable plugin it imports. */ dependency: string };
  HOTSWAP_LIVE_COLLISION: { /** The live name both define. */ name: string; /** The plugin that defined it first. */ owner: string };
  HOTSWAP_LIVE_NOT_FOUND: { /** Whether a function or a type was asked for. */ kind: 'function' | 'type'; /** The name asked for. */ name: string; /** The names there are. */ known: readonly string[] };
  HOTSWAP_CANARY_REFUSED: { /** The plugins whose state would be handed over, which two serving generations cannot share. */ plugins: readonly string[] };
  HOTSWAP_CANARY_ROLLED_BACK: {
    /** Who decided: the rules, the host or close(). */ decidedBy: 'rules' | 'manual' | 'closed';
    /** Why, in words. */ reasons: readonly string[];
    /** A cluster canary's release. */ release?: string;
    /** A cluster canary's counts, every worker's added up. */ counts?: ClusterCanaryStatus['counts'];
    /** A cluster canary's workers, each with its own counts. */ workers?: readonly WorkerCanaryReport[];
  };
  HOTSWAP_CANARY_DECIDED: { /** How the canary ended. */ state: 'running' | 'promoted' | 'rolled-back' };
  HOTSWAP_RELOAD_ABORTED: { /** Why: `aborted` by the host, `timeout` (prepareTimeout), `closed` by close(), or `commit-failed`. */ reason: 'aborted' | 'timeout' | 'closed' | 'commit-failed' };
  HOTSWAP_HOOK_TIMEOUT: { /** The limit that was exceeded, in milliseconds. */ timeoutMs: number };
  HOTSWAP_PLUGIN_NOT_FOUND: { /** The plugins of the generation. */ available: readonly string[] };
  HOTSWAP_FUNC_NOT_FOUND: { /** The function asked for. */ fn: string; /** The functions the plugin offers. */ offered: readonly string[] };
  HOTSWAP_CLUSTER_ABORTED: {
    /** Why: a worker `refused` (could not prepare), `died`, or gave `no-answer` within the deadline; or every worker prepared and the decision could not be recorded (`unrecorded`). */
    reason: 'refused' | 'died' | 'no-answer' | 'unrecorded';
    /** The id of the release that was given up. */
    release: string;
    /** Each worker's line: what became of it. */
    workers: readonly { worker: number; outcome: string; error?: { code: string; message: string } }[];
  };
}

/** The details of an error with code `C`: the base, and the facts of its entry in {@link ErrorDetailsMap}. */
export type ErrorDetails<C extends string = ErrorCode> = BaseDetails & (C extends keyof ErrorDetailsMap ? ErrorDetailsMap[C] : {});

/** What a {@link HotswapError} is made with: its details, and the underlying error. */
export type HotswapErrorOptions<C extends string = ErrorCode> = ErrorDetails<C> & {
  /** The underlying error. */
  cause?: unknown;
};

/** The options argument, required for a code whose details have required facts. */
export type OptionsArgs<C extends string> = {} extends ErrorDetails<C> ? [options?: HotswapErrorOptions<C>] : [options: HotswapErrorOptions<C>];

/**
 * The base class of every error raised by hotswap. Test for it with
 * {@link isHotswapError}, which also works for errors raised by another copy
 * of the framework, where `instanceof` does not, and narrows by code.
 */
export class HotswapError<C extends string = ErrorCode> extends Error {
  /** A stable identifier such as `HOTSWAP_HOOK_FAILED`. */
  readonly code: C;
  /** The plugin the error is about, when there is one. */
  readonly plugin: string | undefined;
  /** The step at which it happened, when it applies. */
  readonly stage: Stage | undefined;
  /** What the message says, as data: the plugin, the stage and the facts of this code. */
  readonly details: Readonly<ErrorDetails<C>>;

  constructor(code: C, message: string, ...[options]: OptionsArgs<C>) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HotswapError';
    this.code = code;
    this.plugin = options?.plugin;
    this.stage = options?.stage;
    const { cause: _cause, ...details } = options ?? {};
    this.details = Object.freeze(details) as ErrorDetails<C>;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Any error of the core, as a union over its codes: `switch (error.code)` narrows `details`. */
export type AnyHotswapError = { [C in ErrorCode]: HotswapError<C> }[ErrorCode];

/**
 * True for any error raised by hotswap, whichever copy of it raised it; with
 * `code`, only for an error of that code, narrowed to it. Never throws,
 * whatever `value` is.
 */
export function isHotswapError(value: unknown): value is AnyHotswapError;
/** True for an error raised by hotswap with code `code`, narrowed to that code. */
export function isHotswapError<C extends ErrorCode>(value: unknown, code: C): value is HotswapError<C>;
export function isHotswapError(value: unknown, code?: string): boolean {
  // Own data properties only, read without running a getter or a trap: a thrown value a plugin made may loop in
  // either, and this runs on every failure report. Every HotswapError has its brand and its code as its own.
  if (typeof value !== 'object' || value === null || types.isProxy(value)) return false;
  try {
    const own = ownValue(value, 'code');
    return ownValue(value, BRAND) === true && typeof own === 'string' && (code === undefined || own === code);
  } catch {
    return false;
  }
}

/**
 * A short description of any thrown value, for messages. Never throws: a
 * plugin may throw a Proxy, or an Error whose `message` getter throws.
 */
export function describe(error: unknown): string {
  if ((typeof error !== 'object' && typeof error !== 'function') || error === null) return describeAnyhow(error);
  const own = ownMessage(error);
  if (own !== undefined) return own;
  // Anything else may run plugin code (a getter, a trap, toString): within a time limit, so a loop there
  // cannot hang the host that is reporting it.
  try {
    return runBounded(() => describeAnyhow(error), DESCRIBE_LIMIT_MS);
  } catch (failure) {
    if (failure instanceof TimedOut) return `a thrown ${typeof error} whose description ran for more than ${DESCRIBE_LIMIT_MS} ms`;
    return `a thrown ${typeof error} that cannot be described`;
  }
}

/** How long reading a thrown value's message may run plugin code (its getters, traps, toString). */
const DESCRIBE_LIMIT_MS = 100;

/** The message of an Error, read without running any of its code: an own data property, not a getter or a trap. */
function ownMessage(error: unknown): string | undefined {
  if (!isPlainError(error)) return undefined;
  const message = ownValue(error, 'message');
  return typeof message === 'string' ? message : undefined;
}

/**
 * A real Error (made by an Error constructor, a subclass's included) that is
 * not a Proxy: telling costs no plugin code, where `instanceof` would walk a
 * prototype chain a plugin may have made of proxies.
 */
export function isPlainError(value: unknown): value is Error {
  return types.isNativeError(value) && !types.isProxy(value);
}

/** An own data property of a plain object, read without running a getter; undefined for an accessor. */
export function ownValue(target: object, key: PropertyKey): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

function describeAnyhow(error: unknown): string {
  try {
    if (error instanceof Error) {
      const message: unknown = error.message;
      if (typeof message === 'string') return message;
    }
  } catch {
    // Fall through to the plainer descriptions.
  }
  try {
    return String(error);
  } catch {
    try {
      return Object.prototype.toString.call(error);
    } catch {
      return `a thrown ${typeof error} that cannot be described`;
    }
  }
}

/** ` (at file:line:column)` for a message, the file relative to the working directory; empty when unknown. */
export function where(position: { file: string; line: number; column: number } | undefined): string {
  if (position === undefined) return '';
  const file = position.file.startsWith(`${process.cwd()}/`) ? position.file.slice(process.cwd().length + 1) : position.file;
  return ` (at ${file}:${position.line}:${position.column})`;
}

/** Any error as a reload's failure: a {@link HotswapError} as it is, anything else wrapped as `HOTSWAP_RELOAD_FAILED`. */
export function asFailure(error: unknown): AnyHotswapError {
  return isHotswapError(error)
    ? error
    : new HotswapError(ErrorCodes.RELOAD_FAILED, `the reload failed unexpectedly: ${describe(error)}`, { cause: error });
}
