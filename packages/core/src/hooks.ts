import { describe, ErrorCodes, HotswapError, where, type Stage } from './errors.js';
import { mapErrorStack } from './loader/source-map.js';

/**
 * Runs one lifecycle hook of one plugin with a time limit. A hook that
 * throws or rejects becomes `HOTSWAP_HOOK_FAILED`; one that has not settled
 * after `timeoutMs` becomes `HOTSWAP_HOOK_TIMEOUT`. Both name the plugin and
 * the stage and keep the hook's error as `cause`.
 */
export async function runHook<R>(plugin: string, stage: Stage, hook: () => R | Promise<R>, timeoutMs: number): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = hook();
    if (!isPromiseLike(result)) return result;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new HotswapError(
            ErrorCodes.HOOK_TIMEOUT,
            `plugin "${plugin}": ${stage} did not settle within ${timeoutMs} ms. ` +
              `Make it finish sooner, or raise the swapper's hookTimeout option.`,
            { plugin, stage },
          ),
        );
      }, timeoutMs);
    });
    return await Promise.race([result, timeout]);
  } catch (error) {
    if (error instanceof HotswapError && error.code === ErrorCodes.HOOK_TIMEOUT) throw error;
    const at = mapErrorStack(error);
    throw new HotswapError(ErrorCodes.HOOK_FAILED, `plugin "${plugin}": ${stage} failed: ${describe(error)}${where(at)}`, {
      plugin,
      stage,
      cause: error,
    });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** True for promises and other thenables. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
