import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostTypes } from '../plugin.js';
import type { ReloadDetails } from '../reload/details.js';
import type { Swapper } from '../swapper.js';
import { coalesce } from './coalesce.js';

/** How {@link reloadOnSignal} behaves. */
export interface SignalTriggerOptions {
  /** The signal that starts a reload. Default `SIGUSR1`. */
  signal?: NodeJS.Signals;
  /** A file to write this process's pid to, for `kill -USR1 $(cat file)`; removed again by `stop()`. */
  pidFile?: string;
  /** Called with each reload's outcome: its details, or the error (the current generation keeps serving). */
  onReload?: (outcome: ReloadOutcome) => void;
}

/** What a trigger reports of each reload it started: its details, or its error. */
export type ReloadOutcome = { details: ReloadDetails } | { error: unknown };

/** A running trigger; `stop()` removes the signal handler and the pid file. */
export interface Trigger {
  /** Stops the trigger: no reload starts from it afterwards. */
  stop(): void;
}

/**
 * Reloads the swapper whenever the process receives a signal (SIGUSR1 by
 * default), as the Go demos do, and writes a pid file for scripts to signal.
 * Signals that arrive during a reload start one more reload after it, not
 * one each. A failed reload never becomes an unhandled rejection: it goes
 * to `onReload` and to the swapper's `reload:failure` event.
 */
export function reloadOnSignal<T extends HostTypes>(swapper: Swapper<T>, options: SignalTriggerOptions = {}): Trigger {
  const signal = options.signal ?? 'SIGUSR1';
  const run = coalesce(swapper, options.onReload);
  process.on(signal, run);
  const { pidFile } = options;
  if (pidFile !== undefined) {
    mkdirSync(dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, `${process.pid}\n`);
  }
  return {
    stop() {
      process.off(signal, run);
      if (pidFile !== undefined) {
        try {
          if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile, { force: true });
        } catch {
          // Already gone.
        }
      }
    },
  };
}
