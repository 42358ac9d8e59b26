import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, ErrorCodes, HotswapError } from '../errors.js';
import { coalesce } from '../triggers/coalesce.js';
import { reporter, type TriggerErrorHandler } from '../triggers/report.js';
import type { ReloadOutcome, Trigger } from '../triggers/signal.js';
import type { Coordinator } from './coordinator.js';

/** How {@link reloadOnActivate} behaves. */
export interface ActivateWatchOptions {
  /** The release root whose `current` link is watched. */
  releaseRoot: string;
  /** How often the link is read, in milliseconds. Default 200. */
  intervalMs?: number;
  /** Called with each cluster reload's outcome. */
  onReload?: (outcome: ReloadOutcome) => void;
  /** Called with a `HOTSWAP_TRIGGER_FAILED` error when the link cannot be read; the watch carries on. */
  onError?: TriggerErrorHandler;
}

/**
 * Starts a cluster reload whenever `<releaseRoot>/current` is pointed at
 * another release (`hotswap release activate`): the directory watcher of a
 * cluster. It reads the link every `intervalMs`, since a link replaced by
 * rename is not reported alike by every platform's file watcher.
 */
export function reloadOnActivate(coordinator: Coordinator, options: ActivateWatchOptions): Trigger {
  if (typeof options.releaseRoot !== 'string' || options.releaseRoot === '') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, 'reloadOnActivate needs `releaseRoot`: the directory that holds the current link.');
  }
  const link = join(options.releaseRoot, 'current');
  const report = reporter(options.onError);
  const reload = coalesce(coordinator, options.onReload);
  let seen: string | undefined;
  let failing = false;
  const look = (): void => {
    realpath(link).then(
      (dir) => {
        failing = false;
        const changed = seen !== undefined && dir !== seen;
        seen = dir;
        if (changed) reload();
      },
      (error: unknown) => {
        if (!failing) report(`the release link ${link} cannot be read (${describe(error)}); no cluster reload until it can`, error);
        failing = true;
      },
    );
  };
  look();
  const timer = setInterval(look, options.intervalMs ?? 200);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
