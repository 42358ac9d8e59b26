import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch } from 'chokidar';
import type { HostTypes } from '../plugin.js';
import type { Swapper } from '../swapper.js';
import { coalesce } from './coalesce.js';
import type { ReloadOutcome } from './signal.js';
import type { WatchTrigger } from './watch.js';

/** How {@link reloadOnSignalFile} behaves. */
export interface SignalFileOptions {
  /** The file whose appearance asks for a reload; it is removed before each reload. */
  path: string;
  /** Called with each reload's outcome. */
  onReload?: (outcome: ReloadOutcome) => void;
}

/**
 * Reloads the swapper whenever `path` appears (`touch reload.signal`), then
 * removes it: the trigger that works where there are no Unix signals.
 */
export function reloadOnSignalFile<T extends HostTypes>(swapper: Swapper<T>, options: SignalFileOptions): WatchTrigger {
  const target = resolve(options.path);
  const reload = coalesce(swapper, options.onReload);
  const fire = (path: string): void => {
    if (resolve(path) !== target) return;
    rmSync(target, { force: true });
    reload();
  };
  const watcher = watch(dirname(target), { ignoreInitial: true, depth: 0, ignored: (p) => p !== dirname(target) && basename(p) !== basename(target) });
  watcher.on('add', fire).on('change', fire);
  const ready = new Promise<void>((done) =>
    watcher.once('ready', () => {
      // A signal file left from before the host started counts too.
      if (existsSync(target)) fire(target);
      done();
    }),
  );
  return {
    ready,
    stop() {
      void watcher.close();
    },
  };
}
