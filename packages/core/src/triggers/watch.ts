import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { ARTIFACT_SUFFIX, decodeArtifact } from '../artifact.js';
import type { HostTypes } from '../plugin.js';
import type { Swapper } from '../swapper.js';
import type { ReloadOutcome, Trigger } from './signal.js';
import { coalesce } from './coalesce.js';

/** How {@link watchPluginDir} behaves. */
export interface WatchOptions {
  /** Quiet time after the last change before reloading, so a burst of writes makes one reload. Default 100 ms. */
  debounceMs?: number;
  /**
   * How long an artifact may stay incomplete (its bundle not matching its
   * hash: a writer still at work) before the reload is tried anyway and
   * fails visibly. Default 5000 ms.
   */
  settleMs?: number;
  /** Called with each reload's outcome; a failed reload leaves the current generation serving. */
  onReload?: (outcome: ReloadOutcome) => void;
}

/** A running watcher: `ready` resolves once it watches; `stop()` ends it. */
export interface WatchTrigger extends Trigger {
  /** Resolves once the file watcher is watching. */
  readonly ready: Promise<void>;
}

/**
 * Reloads the swapper when an artifact in its plugin directory is added,
 * changed or removed. Changes are debounced, and a reload waits while any
 * artifact's bundle does not match its manifest's hash, so it never reads a
 * half-written file, even from a writer that does not rename into place.
 * Uses chokidar, which smooths over the platforms' file-watching quirks.
 */
export function watchPluginDir<T extends HostTypes>(swapper: Swapper<T>, options: WatchOptions = {}): WatchTrigger {
  const debounceMs = options.debounceMs ?? 100;
  const settleMs = options.settleMs ?? 5000;
  const dir = swapper.pluginDir;
  const reload = coalesce(swapper, options.onReload);
  let timer: NodeJS.Timeout | undefined;
  let firstChange = 0;
  let stopped = false;

  const check = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    if (!(await complete(dir)) && Date.now() - firstChange < settleMs) {
      // A writer is still at work: look again shortly, without counting it as a change.
      timer = setTimeout(() => void check(), debounceMs);
      return;
    }
    firstChange = 0;
    reload();
  };
  const changed = (path: string): void => {
    if (!path.endsWith(ARTIFACT_SUFFIX)) return;
    if (firstChange === 0) firstChange = Date.now();
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
  };

  const watcher: FSWatcher = watch(dir, { ignoreInitial: true, depth: 0 });
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      void watcher.close();
    },
  };
}

/** Whether every artifact in `dir` is whole: its bundle matches its manifest's hash. */
async function complete(dir: string): Promise<boolean> {
  try {
    for (const name of await readdir(dir)) {
      if (!name.endsWith(ARTIFACT_SUFFIX)) continue;
      const path = join(dir, name);
      decodeArtifact(await readFile(path, 'utf8'), path);
    }
    return true;
  } catch {
    return false;
  }
}
