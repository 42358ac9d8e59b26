import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ARTIFACT_SUFFIX } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import type { HostTypes } from '../plugin.js';
import type { Swapper } from '../swapper.js';
import { coalesce } from './coalesce.js';
import { DirState } from './dir-state.js';
import { DirectWatch, watchEntries, type EntryWatch } from './entries.js';
import { reporter, type TriggerErrorHandler } from './report.js';
import type { ReloadOutcome, Trigger } from './signal.js';

/** How {@link watchPluginDir} behaves. */
export interface WatchOptions {
  /**
   * The burst window, in ms. A change after a quiet time reloads at once; a
   * change within this long of the one before is part of a burst, and the
   * burst ends in one reload once it has been quiet this long (or, for a
   * burst that goes on, this long ten times over), which reads the last
   * write. Default 25 ms.
   */
  debounceMs?: number;
  /**
   * How long an artifact may stay incomplete (its bundle not matching its
   * hash: a writer still at work), or the directory stay missing or empty,
   * before the reload is tried anyway and fails visibly. Default 5000 ms.
   */
  settleMs?: number;
  /** Called with each reload's outcome; a failed reload leaves the current generation serving. */
  onReload?: (outcome: ReloadOutcome) => void;
  /**
   * Called with a `HOTSWAP_TRIGGER_FAILED` error when watching fails; the
   * host and the watcher carry on. Default: one line on stderr.
   */
  onError?: TriggerErrorHandler;
}

/** A running watcher: `ready` resolves once it watches; `stop()` ends it. */
export interface WatchTrigger extends Trigger {
  /** Resolves once the file watcher is watching. */
  readonly ready: Promise<void>;
}

/**
 * How often the watcher looks whether the directory it watches is still the
 * one the swapper reads: `swapper.resetPluginDir` pointed the swapper
 * elsewhere, a symbolic link `pluginDir` was pointed at another directory,
 * or the directory (or its parent) was deleted and made again. A few
 * microseconds each time: a `realpath` and a `stat`.
 */
const FOLLOW_MS = 200;

/** The directory a path leads to now (through any symbolic links), or the path itself while it leads nowhere. */
function realOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Which directory `path` is: its device and inode, or `missing`. A directory deleted and made again is another. */
function identityOf(path: string): string {
  try {
    const info = statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return 'missing';
  }
}

/**
 * Reloads the swapper when an artifact in its plugin directory is added,
 * changed or removed. A lone change reloads at once; the changes of a burst
 * end in one reload after it, through `swapper.requestReload()` (so they
 * never pile up behind a running reload). A reload waits while any
 * artifact's bundle does not match its manifest's hash, so it never reads a
 * half-written file, even from a writer that does not rename into place; and
 * a change event that changed no artifact's file reloads nothing. The
 * directory may be deleted and created again, and the watcher follows
 * `swapper.resetPluginDir(dir)`. Uses chokidar, which smooths over the
 * platforms' file-watching quirks, with a plain `fs.watch` as the fast path.
 */
export function watchPluginDir<T extends HostTypes>(swapper: Swapper<T>, options: WatchOptions = {}): WatchTrigger {
  const debounceMs = options.debounceMs ?? 25;
  const settleMs = options.settleMs ?? 5000;
  if (!(debounceMs >= 0) || !(settleMs >= 0)) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `watchPluginDir's debounceMs and settleMs are milliseconds, 0 or more; got ${String(debounceMs)} and ${String(settleMs)}.`);
  }
  if (swapper.pluginDir === '') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, 'watchPluginDir needs a swapper with a pluginDir; this one has none (static plugins?).');
  }
  const report = reporter(options.onError);
  const reload = coalesce(swapper, options.onReload);
  const state = new DirState();
  const retryMs = Math.max(debounceMs, 10);
  const none = (): void => {};
  /** Cancels the pending timer, if any. */
  let cancel = none;
  /** What the pending timer is for: the check of a lone change, the end of a burst, or another look at an incomplete artifact. */
  let pending: 'leading' | 'trailing' | 'retry' | undefined;
  /** When the first change not yet reloaded came (for settleMs); 0 when there is none. */
  let firstChange = 0;
  /** When the last change came, to tell a lone change from one of a burst. */
  let lastChange = Number.NEGATIVE_INFINITY;
  /** When the pending end of a burst was first put off. */
  let burstStart = 0;
  /** The fingerprint the last reload was asked for at; a check that finds it again reloads nothing. */
  let asked: string | undefined;
  let stopped = false;
  let dir = resolve(swapper.pluginDir);
  /** The directory the file watchers watch: `dir` with any symbolic link followed, as it was when they started. */
  let watched = realOf(dir);
  let watchedIdentity = identityOf(watched);
  let watch: EntryWatch;

  const later = (ms: number, kind: NonNullable<typeof pending>): void => {
    cancel();
    pending = kind;
    if (ms === 0) {
      // The leading edge: once this turn's other events (a group of renames, chokidar's echo) are in, before any timer.
      const immediate = setImmediate(guarded);
      cancel = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(guarded, ms);
      cancel = () => clearTimeout(timeout);
    }
  };
  const guarded = (): void => {
    try {
      check();
    } catch (error) {
      report(`checking the plugin directory ${dir} failed; changes may go unnoticed`, error);
    }
  };
  const check = (): void => {
    cancel = none;
    pending = undefined;
    if (stopped) return;
    follow();
    const seen = state.read(dir);
    if (seen === undefined && Date.now() - firstChange < settleMs) {
      // A writer is still at work, or the directory is being replaced: look again shortly, without counting it as a change.
      later(retryMs, 'retry');
      return;
    }
    firstChange = 0;
    // The same files as when the last reload was asked for: a second event of one write.
    if (seen !== undefined && seen === asked) return;
    asked = seen;
    reload();
  };
  const changed = (): void => {
    const at = Date.now();
    if (firstChange === 0) firstChange = at;
    const lone = at - lastChange > debounceMs && pending === undefined;
    lastChange = at;
    // Events of the same turn of the event loop (a group of renames, chokidar's echo) join the check about to run.
    if (pending === 'leading') return;
    if (lone) {
      // The leading edge: at once, after the other events of this turn of the event loop.
      later(0, 'leading');
      return;
    }
    // Part of a burst: one check once it has been quiet for debounceMs, or once the burst has gone on ten windows.
    if (pending !== 'trailing') {
      burstStart = at;
      later(debounceMs, 'trailing');
    } else if (at - burstStart < debounceMs * 10) {
      later(debounceMs, 'trailing');
    }
  };
  const direct = new DirectWatch(
    (name) => name.endsWith(ARTIFACT_SUFFIX),
    (path) => onEvent('change', path),
  );
  const arm = (): void => direct.arm(watched);
  const onEvent = (event: string, path: string): void => {
    if (path === watched && event === 'addDir') arm();
    // chokidar drops a second `change` of one file within 50 ms. An atomic writer's temporary file
    // (`.world.hotswap.js.<pid>.<random>.tmp`) vanishes at the rename, and that `unlink` is never dropped: it counts too.
    const name = basename(path);
    const artifact = name.endsWith(ARTIFACT_SUFFIX) || (event === 'unlink' && name.startsWith('.') && name.includes(ARTIFACT_SUFFIX));
    const relevant = artifact ? dirname(path) === watched : path === watched && event === 'unlinkDir';
    if (!relevant || stopped) return;
    changed();
  };
  const start = (first: boolean): EntryWatch => {
    watched = realOf(dir);
    watchedIdentity = identityOf(watched);
    // Said once, at the start; a directory (or parent) gone later is followed in silence, and its reload fails visibly.
    if (first && !existsSync(dirname(watched))) {
      report(`neither the plugin directory ${dir} nor its parent exists yet; the watcher looks for it every ${FOLLOW_MS} ms`);
    }
    arm();
    // chokidar's `atomic` mode holds every `unlink` back 100 ms (in case the file comes back); an atomic writer's
    // temporary file would then vanish, as far as this watch knows, 100 ms after its rename, and make the next save
    // look like part of a burst that waits out debounceMs. Each event is only a cue to look, so none is held back.
    return watchEntries(watched, onEvent, watchFailed, { atomic: false });
  };
  const watchFailed = (error: unknown): void => {
    // An entry that is a symbolic link loop: the reload refuses that artifact by name; the watch itself goes on.
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ELOOP') return;
    report(`watching the plugin directory ${dir} failed; changes may go unnoticed`, error);
  };
  /**
   * Re-watches when the swapper reads another directory than the one watched:
   * a new pluginDir, a symbolic link pointed elsewhere, or the directory (or
   * its parent) deleted and made again, which no file watcher of the old one
   * sees. Then what the directory holds now is looked at as a change.
   */
  const follow = (): void => {
    if (stopped) return;
    const next = resolve(swapper.pluginDir);
    if (next !== dir) {
      dir = next;
      state.clear();
      asked = undefined;
    } else if (realOf(dir) === watched && identityOf(watched) === watchedIdentity) {
      return;
    }
    watch.close();
    direct.close();
    watch = start(false);
    changed();
  };

  watch = start(true);
  const follower = setInterval(() => {
    try {
      follow();
    } catch (error) {
      report(`following the plugin directory ${dir} failed; changes may go unnoticed`, error);
    }
  }, FOLLOW_MS);
  follower.unref();
  return {
    ready: watch.ready,
    stop() {
      stopped = true;
      clearInterval(follower);
      cancel();
      direct.close();
      watch.close();
    },
  };
}
