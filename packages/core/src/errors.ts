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
  INVALID_OPTION: 'HOTSWAP_INVALID_OPTION',
  STATIC_RELOAD: 'HOTSWAP_STATIC_RELOAD',
  // Calling into plugins.
  PLUGIN_NOT_FOUND: 'HOTSWAP_PLUGIN_NOT_FOUND',
  FUNC_NOT_FOUND: 'HOTSWAP_FUNC_NOT_FOUND',
  VERSION_FREED: 'HOTSWAP_VERSION_FREED',
  // Reload triggers: signals, pid files, watched files and the admin endpoint.
  TRIGGER_FAILED: 'HOTSWAP_TRIGGER_FAILED',
  ADMIN_LISTEN_FAILED: 'HOTSWAP_ADMIN_LISTEN_FAILED',
  PID_FILE_UNWRITABLE: 'HOTSWAP_PID_FILE_UNWRITABLE',
  PID_FILE_INVALID: 'HOTSWAP_PID_FILE_INVALID',
  PID_FILE_STALE: 'HOTSWAP_PID_FILE_STALE',
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

/** What every {@link HotswapError} may carry besides its message. */
export interface HotswapErrorOptions {
  /** The plugin the error is about, when there is one. */
  plugin?: string | undefined;
  /** The step at which it happened. */
  stage?: Stage | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The base class of every error raised by hotswap. Test for it with
 * {@link isHotswapError}, which also works for errors raised by another copy
 * of the framework, where `instanceof` does not.
 */
export class HotswapError extends Error {
  /** A stable identifier such as `HOTSWAP_HOOK_FAILED`. */
  readonly code: string;
  /** The plugin the error is about, when there is one. */
  readonly plugin: string | undefined;
  /** The step at which it happened, when it applies. */
  readonly stage: Stage | undefined;

  constructor(code: string, message: string, options: HotswapErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HotswapError';
    this.code = code;
    this.plugin = options.plugin;
    this.stage = options.stage;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any error raised by hotswap, whichever copy of it raised it. Never throws, whatever `value` is. */
export function isHotswapError(value: unknown): value is HotswapError {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      typeof (value as { code?: unknown }).code === 'string'
    );
  } catch {
    // A Proxy whose traps throw, or a getter that throws: not ours.
    return false;
  }
}

/**
 * A short description of any thrown value, for messages. Never throws: a
 * plugin may throw a Proxy, or an Error whose `message` getter throws.
 */
export function describe(error: unknown): string {
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
