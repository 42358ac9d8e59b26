import { closeSync, constants, lstatSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, ErrorCodes, HotswapError } from '../errors.js';
import type { ReloadTarget } from './target.js';
import { coalesce } from './coalesce.js';
import { watchEntries } from './entries.js';
import { reporter, type TriggerErrorHandler } from './report.js';
import type { ReloadOutcome } from './signal.js';
import type { WatchTrigger } from './watch.js';

/** How {@link reloadOnSignalFile} behaves. */
export interface SignalFileOptions {
  /** The file whose appearance asks for a reload; it is removed before each reload. Holding `rollback`, it asks for an explicit rollback. */
  path: string;
  /** Called with each reload's outcome. */
  onReload?: (outcome: ReloadOutcome) => void;
  /**
   * Called with a `HOTSWAP_TRIGGER_FAILED` error when the trigger meets a
   * problem (a directory at `path`, a signal file it cannot remove, a watch
   * that failed); the host and the trigger carry on. Default: one line on stderr.
   */
  onError?: TriggerErrorHandler;
}

/**
 * Reloads the swapper whenever `path` appears (`touch reload.signal`), then
 * removes it: the trigger that works where there are no Unix signals. A file
 * holding `rollback` (`echo rollback > reload.signal`) reloads with
 * `{ rollback: true }`. Throws `HOTSWAP_INVALID_OPTION` when the file's
 * directory cannot be created; every later problem goes to `onError`.
 */
export function reloadOnSignalFile(swapper: ReloadTarget, options: SignalFileOptions): WatchTrigger {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `reloadOnSignalFile needs a path, not ${JSON.stringify(options.path)}.`);
  }
  const target = resolve(options.path);
  const directory = ensureDirectory(dirname(target), options.path);
  const report = reporter(options.onError);
  const reload = coalesce(swapper, options.onReload);
  let stopped = false;
  let poll: NodeJS.Timeout | undefined;

  const fire = (): void => {
    if (stopped) return;
    let stats;
    try {
      stats = lstatSync(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') report(`the signal file ${target} cannot be examined`, error);
      return;
    }
    if (stats.isDirectory() || !(stats.isFile() || stats.isSymbolicLink())) {
      if (poll !== undefined) return;
      report(`${target} is a ${stats.isDirectory() ? 'directory' : 'special file'}, not a signal file: nothing reloaded. Remove it; the trigger keeps watching`);
      // The file watcher reports nothing more of a path it first saw as a directory: look ourselves until it is gone.
      poll = untilRegular(target, () => {
        poll = undefined;
        rewatch();
        fire();
      });
      return;
    }
    const rollback = readHead(target) === 'rollback';
    try {
      rmSync(target);
    } catch (error) {
      report(
        `the signal file ${target} cannot be removed, so each change of it will reload again; give the host write access to ${directory}. The reload goes ahead`,
        error,
      );
    }
    reload({ rollback });
  };

  const start = (): ReturnType<typeof watchEntries> => watchEntries(
    directory,
    (event, path) => {
      if (path !== target) return;
      if (event === 'add' || event === 'change' || event === 'addDir') fire();
    },
    (error) => report(`the watch on ${directory} failed; the signal file may go unnoticed`, error),
    // Wait until a writer is done, so `echo rollback > reload.signal` is read whole.
    { awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 } },
  );
  let watch = start();
  const rewatch = (): void => {
    watch.close();
    if (!stopped) watch = start();
  };
  const ready = watch.ready.then(() => {
    // A signal file left from before the host started counts too.
    fire();
  });
  return {
    ready,
    stop() {
      stopped = true;
      if (poll !== undefined) clearInterval(poll);
      watch.close();
    },
  };
}

/** The first bytes of the file, trimmed; empty when it cannot be read. */
function readHead(path: string): string {
  try {
    // Non-blocking, so a link to a FIFO cannot hang the host.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const buffer = Buffer.alloc(64);
      return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8').trim();
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Whether `path` exists and is something other than a regular file or link. */
function isSpecialEntry(path: string): boolean {
  try {
    const stats = lstatSync(path);
    return !(stats.isFile() || stats.isSymbolicLink());
  } catch {
    return false;
  }
}

/** Calls `then` once `path` is gone or a regular file (looking every 250 ms); returns the timer, unref'd. */
function untilRegular(path: string, then: () => void): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (isSpecialEntry(path)) return;
    clearInterval(timer);
    then();
  }, 250);
  timer.unref();
  return timer;
}

/** Makes the signal file's directory if needed; throws `HOTSWAP_INVALID_OPTION` when it cannot be one. */
function ensureDirectory(directory: string, path: string): string {
  try {
    mkdirSync(directory, { recursive: true });
    if (!statSync(directory).isDirectory()) throw new Error('it is not a directory');
  } catch (error) {
    throw new HotswapError(
      ErrorCodes.INVALID_OPTION,
      `the signal file ${path} cannot be watched: its directory ${directory} cannot be created (${describe(error)}). Choose a path in a directory the host may write.`,
      { cause: error },
    );
  }
  return directory;
}
