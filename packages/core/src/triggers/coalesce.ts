import type { HostTypes } from '../plugin.js';
import type { Swapper } from '../swapper.js';
import type { ReloadOutcome } from './signal.js';

/**
 * A function that starts a reload, or, while one it started is running,
 * makes exactly one more run after it: any number of triggers during a
 * reload cost one reload more, not one each. Outcomes go to `onReload`;
 * failures never become unhandled rejections.
 */
export function coalesce<T extends HostTypes>(swapper: Swapper<T>, onReload?: (outcome: ReloadOutcome) => void): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    swapper
      .reload()
      .then(
        (details) => onReload?.({ details }),
        (error: unknown) => onReload?.({ error }),
      )
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}
