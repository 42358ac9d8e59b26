import { constants } from 'node:os';
import { ErrorCodes, HotswapError } from '../errors.js';
import type { ReloadDetails } from '../reload/details.js';
import type { ReloadTarget } from './target.js';
import { coalesce } from './coalesce.js';
import { removePidFile, writePidFile } from './pid-file.js';

/** The signal {@link reloadOnSignal} and `hotswap reload` use unless told otherwise. */
export const DEFAULT_RELOAD_SIGNAL = 'SIGUSR2';

/** How {@link reloadOnSignal} behaves. */
export interface SignalTriggerOptions {
  /**
   * The signal that starts a reload. Default `SIGUSR2`. `SIGUSR1` works too,
   * but Node reserves it for its inspector: until the handler is installed,
   * a `SIGUSR1` opens a debugger port to every local user.
   */
  signal?: NodeJS.Signals;
  /**
   * A file to write this process's pid to: line 1 the pid (for
   * `kill -USR2 "$(head -n1 file)"`), line 2 a JSON record with its start
   * time, which `hotswap reload --pid-file` checks. Removed again by `stop()`,
   * or when the process exits.
   */
  pidFile?: string;
  /** Called with each reload's outcome: its details, or the error (the current generation keeps serving). */
  onReload?: (outcome: ReloadOutcome) => void;
  /**
   * The address of this host's admin endpoint (`admin.url` of `serveAdmin`,
   * or the URL under which `createAdminHandler` is mounted), written into
   * the pid file so that `hotswap status --pid-file` can reach it. The token
   * is never written.
   */
  admin?: string;
}

/** What a trigger reports of each reload it started: its details, or its error. */
export type ReloadOutcome = { details: ReloadDetails } | { error: unknown };

/** A running trigger; `stop()` removes the signal handler and the pid file. */
export interface Trigger {
  /** Stops the trigger: no reload starts from it afterwards. */
  stop(): void;
}

/** Signals a process cannot catch, and ones that mean a fault rather than a request. */
const UNUSABLE = new Set(['SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGTRAP']);

/**
 * Reloads the swapper whenever the process receives a signal (SIGUSR2 by
 * default), and writes a pid file for scripts to signal. Signals that arrive
 * during a reload start one more reload after it, not one each. A failed
 * reload never becomes an unhandled rejection: it goes to `onReload` and to
 * the swapper's `reload:failure` event. Throws `HOTSWAP_INVALID_OPTION` for a
 * signal that cannot be used and `HOTSWAP_PID_FILE_UNWRITABLE` for a pid file
 * that cannot be written safely.
 */
export function reloadOnSignal(swapper: ReloadTarget, options: SignalTriggerOptions = {}): Trigger {
  const signal = checkSignal(options.signal);
  const { pidFile } = options;
  if (pidFile !== undefined && (typeof pidFile !== 'string' || pidFile === '')) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `reloadOnSignal's pidFile must be a non-empty path, not ${JSON.stringify(pidFile)}.`);
  }
  const { admin } = options;
  if (admin !== undefined && !isAdminUrl(admin)) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `reloadOnSignal's admin must be an http:// or https:// address such as http://127.0.0.1:7070, not ${JSON.stringify(admin)}.`);
  }
  // The pid file first: if it cannot be written, no handler is left behind.
  if (pidFile !== undefined) writePidFile(pidFile, admin === undefined ? {} : { admin });
  const run = coalesce(swapper, options.onReload);
  const handler = (): void => run();
  try {
    process.on(signal, handler);
  } catch (error) {
    if (pidFile !== undefined) removePidFile(pidFile);
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `this platform cannot deliver ${signal} to a handler: ${String(error)}. Use a signal file or the admin endpoint.`, { cause: error });
  }
  // A host that exits without stopping the trigger (its work done, or process.exit) takes its pid file with it:
  // one left behind names a process that is gone.
  const onExit = (): void => {
    if (pidFile !== undefined) removePidFile(pidFile);
  };
  if (pidFile !== undefined) process.once('exit', onExit);
  return {
    stop() {
      process.off(signal, handler);
      process.off('exit', onExit);
      if (pidFile !== undefined) removePidFile(pidFile);
    },
  };
}

/** The signal to listen for, or `HOTSWAP_INVALID_OPTION`. */
function checkSignal(signal: unknown): NodeJS.Signals {
  if (signal === undefined) return DEFAULT_RELOAD_SIGNAL;
  const known = typeof signal === 'string' && isSignal(signal);
  if (!known || UNUSABLE.has(signal)) {
    throw new HotswapError(
      ErrorCodes.INVALID_OPTION,
      `reloadOnSignal cannot listen for ${JSON.stringify(signal)}: ${known ? 'a process cannot catch it, or it reports a fault' : 'there is no such signal on this platform'}. ` +
        `Use ${DEFAULT_RELOAD_SIGNAL} (the default), SIGUSR1 or SIGHUP.`,
    );
  }
  return signal;
}

function isAdminUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

function isSignal(name: string): name is NodeJS.Signals {
  return Object.hasOwn(constants.signals, name);
}
