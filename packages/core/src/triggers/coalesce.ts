import { describe } from '../errors.js';
import type { ReloadDetails } from '../reload/details.js';
import type { ReloadRequest } from '../swapper/requests.js';
import type { ReloadTarget } from './target.js';
import type { ReloadOutcome } from './signal.js';

export type { ReloadRequest } from '../swapper/requests.js';

/**
 * A trigger's way to reload: each call is a `swapper.requestReload()`, so
 * requests made while a reload runs share one reload after it (with those of
 * every other trigger of the swapper); a target without `requestReload` (a
 * cluster coordinator, which folds reloads asked for during one into the
 * next itself) gets `reload()`. The trigger's `onReload` hears each
 * reload it asked for once, however many of its requests that reload
 * answered; failures never become unhandled rejections.
 */
export function coalesce(target: ReloadTarget, onReload?: (outcome: ReloadOutcome) => void): (request?: ReloadRequest) => void {
  const report = (outcome: ReloadOutcome): void => {
    try {
      onReload?.(outcome);
    } catch (error) {
      process.stderr.write(`[hotswap] error onReload threw: ${describe(error)}\n`);
    }
  };
  // The reloads this trigger waits for: a joined request returns a promise already listened to.
  const heard = new WeakSet<Promise<ReloadDetails>>();
  return (request = {}) => {
    let result: Promise<ReloadDetails>;
    try {
      result = target.requestReload !== undefined ? target.requestReload(request) : target.reload(request);
    } catch (error) {
      report({ error });
      return;
    }
    if (heard.has(result)) return;
    heard.add(result);
    result.then(
      (details) => report({ details }),
      (error: unknown) => report({ error }),
    );
  };
}
