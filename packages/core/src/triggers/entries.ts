import { dirname } from 'node:path';
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
  options: Pick<ChokidarOptions, 'awaitWriteFinish'> = {},
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
