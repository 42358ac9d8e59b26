import { describe, ErrorCodes, HotswapError, isHotswapError } from '../errors.js';

/** Receives what went wrong in a running trigger; the trigger and the serving generation carry on. */
export type TriggerErrorHandler = (error: HotswapError) => void;

/** The default `onError` of every trigger: one line on stderr, in the format of the default logger. */
export function writeTriggerError(error: HotswapError): void {
  process.stderr.write(`[hotswap] error ${error.code}: ${error.message}\n`);
}

/**
 * Wraps `onError` so that a failure is always a `HOTSWAP_TRIGGER_FAILED`
 * error and a handler that throws cannot take the host down.
 */
export function reporter(onError: TriggerErrorHandler | undefined): (what: string, cause?: unknown) => void {
  const handler = onError ?? writeTriggerError;
  return (what, cause) => {
    const error =
      isHotswapError(cause) && cause.code === ErrorCodes.TRIGGER_FAILED
        ? cause
        : new HotswapError(ErrorCodes.TRIGGER_FAILED, cause === undefined ? what : `${what}: ${describe(cause)}`, { cause });
    try {
      handler(error);
    } catch (thrown) {
      // The host's own handler failed; say so once, and keep the trigger running.
      writeTriggerError(new HotswapError(ErrorCodes.TRIGGER_FAILED, `onError threw: ${describe(thrown)} (while reporting: ${error.message})`));
    }
  };
}
