// The HotswapError a promise rejects with; fails the test if it resolves or rejects with anything else.
import { isHotswapError, type HotswapError } from '@hotswap/core';

export async function rejection(promise: Promise<unknown>): Promise<HotswapError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error(`expected a HotswapError, got ${String(error)}`);
  return error;
}
