import { watch as watchDir, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { watch, type ChokidarOptions } from 'chokidar';

/** A running watch of one directory's entries. */
export interface EntryWatch {
  /** Resolves once the watch is in place. */
  readonly ready: Promise<void>;
  /** Ends the watch. */
  close(): void;
}

/**
 * Watches the entries of `dir` (an absolute path) through its parent, so
 * that deleting `dir` and creating it again does not end the watch, as
 * watching `dir` itself would. Only `dir` and its direct entries are
 * reported; chokidar's errors go to `onError` instead of crashing the host.
 */
export function watchEntries(
  dir: string,
  onEvent: (event: string, path: string) => void,
  onError: (error: unknown) => void,
  options: Pick<ChokidarOptions, 'awaitWriteFinish' | 'atomic'> = {},
): EntryWatch {
  const parent = dirname(dir);
  const watcher = watch(parent, {
    ignoreInitial: true,
    depth: 1,
    ignored: (path) => !(path === parent || path === dir || dirname(path) === dir),
    ...options,
  });
  watcher.on('all', (event, path) => {
    try {
      onEvent(event, path);
    } catch (error) {
      onError(error);
    }
  });
  watcher.on('error', onError);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    close() {
      watcher.close().catch(onError);
    },
  };
}

/**
 * chokidar drops a second `change` of one file within 50 ms, so a quick
 * second save could go unseen. A plain `fs.watch` of the directory drops
 * nothing: it is the fast path, and chokidar (watching from the parent)
 * keeps working when the directory is deleted and made again, when it
 * re-arms this one.
 */
export class DirectWatch {
  #watcher: FSWatcher | undefined;
  readonly #onEntry: (path: string) => void;
  readonly #wanted: (name: string) => boolean;

  /** Reports each entry of the directory whose name `wanted` accepts, as a path. */
  constructor(wanted: (name: string) => boolean, onEntry: (path: string) => void) {
    this.#wanted = wanted;
    this.#onEntry = onEntry;
  }

  arm(dir: string): void {
    this.close();
    try {
      const watcher = watchDir(dir, (_event, name) => {
        if (typeof name === 'string' && this.#wanted(name)) this.#onEntry(join(dir, name));
      });
      watcher.on('error', () => watcher.close());
      this.#watcher = watcher;
    } catch {
      // No directory yet: chokidar sees it appear, and arm() runs again then.
    }
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
