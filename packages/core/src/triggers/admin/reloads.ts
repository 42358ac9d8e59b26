import type { ReloadDetails } from '../../reload/details.js';
import type { ReloadTarget } from '../target.js';

/**
 * The admin endpoint's reloads: a request is answered by a reload that starts
 * after it arrived. One reload per rollback flag that has not started yet;
 * each request that joins it puts its start off by `coalesceMs` (up to ten
 * times that in all); a request that comes once it has started waits for the
 * next. Once its window closes it is a `swapper.requestReload()`, so it shares
 * the reload waiting for other triggers, if one does.
 */
export function reloads(swapper: ReloadTarget, coalesceMs: number): (rollback: boolean) => Promise<ReloadDetails> {
  const pending = new Map<boolean, { joined: () => void; promise: Promise<ReloadDetails> }>();
  return (rollback: boolean): Promise<ReloadDetails> => {
    const waiting = pending.get(rollback);
    if (waiting !== undefined) {
      waiting.joined();
      return waiting.promise;
    }
    const firstAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let quiet = (): void => {};
    const window = new Promise<void>((resolve) => {
      quiet = resolve;
      timer = setTimeout(resolve, coalesceMs);
    });
    const joined = (): void => {
      if (Date.now() - firstAt >= coalesceMs * 10) return;
      clearTimeout(timer);
      timer = setTimeout(quiet, coalesceMs);
    };
    const promise = window.then(() => {
      // From here on it has left the window: later requests must not share it.
      pending.delete(rollback);
      return swapper.requestReload !== undefined ? swapper.requestReload({ rollback }) : swapper.reload({ rollback });
    });
    pending.set(rollback, { joined, promise });
    return promise;
  };

}
