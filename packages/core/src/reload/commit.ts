import { describe, ErrorCodes, HotswapError, where } from '../errors.js';
import { isPromiseLike } from '../hooks.js';
import { endPiece, runBounded, sharedLimit, START_SHARE, TimedOut } from '../loader/bounded.js';
import { mapErrorStack } from '../loader/source-map.js';
import type { Generation } from '../generation.js';
import { quiet, type HostTypes } from '../plugin.js';
import type { PluginVersion } from '../version/version.js';

/** A version that takes over the state of the one it replaces. */
export interface Handoff {
  from: PluginVersion;
  to: PluginVersion;
}

/**
 * The commit phase, synchronous from start to end: each replaced version
 * gives its state and its successor takes it (giveState, takeState), then
 * `swap` installs the generation and its new versions start serving. No
 * call can run between a version giving its state and the swap. Throws
 * `HOTSWAP_HANDOFF_FAILED` (nothing swapped; the caller rolls back).
 */
export function commit<T extends HostTypes>(
  generation: Generation<T>,
  handoffs: readonly Handoff[],
  limit: number | false,
  swap: (generation: Generation<T>) => void,
): void {
  if (handoffs.length > 0) handOverAll(handoffs, limit);
  swap(generation);
  for (const version of generation.versions) if (version.state === 'loading') version.serve();
}

function handOverAll(handoffs: readonly Handoff[], limit: number | false): void {
  let current: Handoff | undefined;
  let stage: 'giveState' | 'takeState' = 'giveState';
  let next = 0;
  try {
    // Still one synchronous step, in as many bounded runs as it takes for each hook to get the limit of its own
    // (see loader/bounded.ts): a fresh run once a quarter of it is used.
    while (next < handoffs.length) {
      runBounded(() => {
        const opened = performance.now();
        for (const first = next; next < handoffs.length; next++) {
          if (next > first && limit !== false && performance.now() - opened > limit * START_SHARE) return;
          current = handoffs[next]!;
          handOver(current, limit, (s) => (stage = s));
        }
      }, sharedLimit(limit));
    }
  } catch (error) {
    if (error instanceof HandoffFailure) throw handoffFailed(error);
    if (!(error instanceof TimedOut)) throw error;
    // A watchdog that fires before the first handoff began still names it.
    current ??= handoffs[0]!;
    const plugin = stage === 'giveState' ? current.from : current.to;
    const timeoutMs = limit === false ? error.timeoutMs : limit;
    throw new HotswapError(
      ErrorCodes.HOOK_TIMEOUT,
      `plugin "${plugin.name}": ${stage} ran for more than ${timeoutMs} ms and was interrupted. ` +
        `The reload was rolled back; ${current.from.version} keeps serving with its state.`,
      { plugin: plugin.name, stage, timeoutMs },
    );
  }
}

/** What failed inside the bounded run; described after it, so mapping its stack does not count against the limit. */
class HandoffFailure extends Error {
  constructor(
    readonly handoff: Handoff,
    readonly stage: 'giveState' | 'takeState',
    override readonly cause: unknown,
  ) {
    super(`${stage} failed`);
  }
}

function handoffFailed({ handoff: { from, to }, stage, cause }: HandoffFailure): HotswapError {
  const plugin = stage === 'giveState' ? from : to;
  const position = mapErrorStack(cause);
  return new HotswapError(
    ErrorCodes.HANDOFF_FAILED,
    `plugin "${plugin.name}": ${stage} failed handing state from ${from.version} to ${to.version}: ${describe(cause)}${where(position)}. ` +
      `The reload was rolled back; ${from.version} keeps serving with its state.`,
    { plugin: plugin.name, stage, cause },
  );
}

/** A handoff hook returned a promise: refused, and its rejection, if any, left handled. */
function refuse(value: PromiseLike<unknown>, hook: 'giveState' | 'takeState'): never {
  quiet(value);
  throw new Error(`${hook} returned a promise; it must be synchronous`);
}

// Each hook limited to `limit` of its own: one that returns past it times out as if stopped (`endPiece`).
function handOver(handoff: Handoff, limit: number | false, at: (stage: 'giveState' | 'takeState') => void): void {
  const { from, to } = handoff;
  let state: unknown;
  const give = from.definition.giveState;
  at('giveState');
  let started = performance.now();
  try {
    state = give === undefined ? undefined : give(from.context);
    if (isPromiseLike(state)) refuse(state, 'giveState');
  } catch (error) {
    throw new HandoffFailure(handoff, 'giveState', error);
  }
  endPiece(started, limit);
  at('takeState');
  started = performance.now();
  try {
    const result: unknown = to.definition.takeState!({ state, version: from.version, buildStamp: from.buildStamp }, to.context);
    if (isPromiseLike(result)) refuse(result, 'takeState');
  } catch (error) {
    throw new HandoffFailure(handoff, 'takeState', error);
  }
  endPiece(started, limit);
}
