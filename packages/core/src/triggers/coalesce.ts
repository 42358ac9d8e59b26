import { describe } from '../errors.js';
import type { ReloadTarget } from './target.js';
import type { ReloadOutcome } from './signal.js';

/** What one trigger event asks of the reload it starts. */
export interface ReloadRequest {
  /** Ask for an explicit rollback: `swapper.reload({ rollback: true })`. */
  rollback?: boolean;
}

/**
 * A function that starts a reload, or, while one it started is running,
 * makes exactly one more run after it: any number of triggers during a
 * reload cost one reload more, not one each. If any of the requests folded
 * into that run asked for a rollback, the run is a rollback. Outcomes go to
 * `onReload`; failures never become unhandled rejections.
 */
export function coalesce(swapper: ReloadTarget, onReload?: (outcome: ReloadOutcome) => void): (request?: ReloadRequest) => void {
  let running = false;
  let again: ReloadRequest | undefined;
  const report = (outcome: ReloadOutcome): void => {
    try {
      onReload?.(outcome);
    } catch (error) {
      process.stderr.write(`[hotswap] error onReload threw: ${describe(error)}\n`);
    }
  };
  const run = (request: ReloadRequest = {}): void => {
    if (running) {
      again = { rollback: again?.rollback === true || request.rollback === true };
      return;
    }
    running = true;
    // Through a promise from the start, so even a synchronous throw becomes an outcome, never an unhandled error.
    const started = Promise.resolve().then(() => swapper.reload(request.rollback === true ? { rollback: true } : {}));
    started
      .then(
        (details) => report({ details }),
        (error: unknown) => report({ error }),
      )
      .finally(() => {
        running = false;
        if (again !== undefined) {
          const next = again;
          again = undefined;
          run(next);
        }
      });
  };
  return run;
}
