// The HotswapError a call throws or a promise rejects with; fails the test if there is none, or anything else.
import { isHotswapError, type HotswapError } from '@hotswap/core';

export async function rejection(promise: Promise<unknown>): Promise<HotswapError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error(`expected a HotswapError, got ${String(error)}`);
  return error;
}

export function thrown(call: () => unknown): HotswapError {
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  if (!isHotswapError(error)) throw new Error(`expected a HotswapError, got ${String(error)}`);
  return error;
}
