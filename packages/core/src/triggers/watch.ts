import { existsSync, watch as watchDir, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ARTIFACT_SUFFIX, decodeArtifact } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import type { HostTypes } from '../plugin.js';
import type { Swapper } from '../swapper.js';
import { coalesce } from './coalesce.js';
import { watchEntries, type EntryWatch } from './entries.js';
import { reporter, type TriggerErrorHandler } from './report.js';
import type { ReloadOutcome, Trigger } from './signal.js';

/** How {@link watchPluginDir} behaves. */
export interface WatchOptions {
  /** Quiet time after the last change before reloading, so a burst of writes makes one reload. Default 100 ms. */
  debounceMs?: number;
  /**
   * How long an artifact may stay incomplete (its bundle not matching its
   * hash: a writer still at work), or the directory stay missing, before the
   * reload is tried anyway and fails visibly. Default 5000 ms.
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

/** How often the watcher looks whether `swapper.resetPluginDir` pointed the swapper elsewhere. */
const FOLLOW_MS = 200;

/**
 * Reloads the swapper when an artifact in its plugin directory is added,
 * changed or removed. Changes are debounced, and a reload waits while any
 * artifact's bundle does not match its manifest's hash, so it never reads a
 * half-written file, even from a writer that does not rename into place.
 * The directory may be deleted and created again, and the watcher follows
 * `swapper.resetPluginDir(dir)`. Uses chokidar, which smooths over the
 * platforms' file-watching quirks.
 */
export function watchPluginDir<T extends HostTypes>(swapper: Swapper<T>, options: WatchOptions = {}): WatchTrigger {
  const debounceMs = options.debounceMs ?? 100;
  const settleMs = options.settleMs ?? 5000;
  if (swapper.pluginDir === '') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, 'watchPluginDir needs a swapper with a pluginDir; this one has none (static plugins?).');
  }
  const report = reporter(options.onError);
  const reload = coalesce(swapper, options.onReload);
  const checker = new Completeness();
  let timer: NodeJS.Timeout | undefined;
  let firstChange = 0;
  let stopped = false;
  let dir = resolve(swapper.pluginDir);
  let watch: EntryWatch;

  const schedule = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
  };
  const check = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    follow();
    if (!(await checker.complete(dir)) && Date.now() - firstChange < settleMs) {
      // A writer is still at work, or the directory is being replaced: look again shortly, without counting it as a change.
      schedule();
      return;
    }
    firstChange = 0;
    reload();
  };
  const direct = new DirectWatch((path) => changed('change', path));
  const arm = (): void => direct.arm(dir);
  const changed = (event: string, path: string): void => {
    if (path === dir && event === 'addDir') arm();
    // chokidar drops a second `change` of one file within 50 ms. An atomic writer's temporary file
    // (`.world.hotswap.js.<pid>.<random>.tmp`) vanishes at the rename, and that `unlink` is never dropped: it counts too.
    const name = basename(path);
    const artifact = name.endsWith(ARTIFACT_SUFFIX) || (event === 'unlink' && name.startsWith('.') && name.includes(ARTIFACT_SUFFIX));
    const relevant = artifact ? dirname(path) === dir : path === dir && event === 'unlinkDir';
    if (!relevant || stopped) return;
    if (firstChange === 0) firstChange = Date.now();
    schedule();
  };
  const start = (): EntryWatch => {
    if (!existsSync(dirname(dir))) {
      report(`neither the plugin directory ${dir} nor its parent exists, so the watcher cannot see it appear; create ${dirname(dir)} and restart the watcher`);
    }
    arm();
    return watchEntries(dir, changed, (error) => report(`watching the plugin directory ${dir} failed; changes may go unnoticed`, error));
  };
  /** Re-watches when the swapper's plugin directory changed. */
  const follow = (): void => {
    const next = resolve(swapper.pluginDir);
    if (next === dir || stopped) return;
    watch.close();
    dir = next;
    checker.clear();
    watch = start();
  };

  watch = start();
  const follower = setInterval(follow, FOLLOW_MS);
  follower.unref();
  return {
    ready: watch.ready,
    stop() {
      stopped = true;
      clearInterval(follower);
      if (timer !== undefined) clearTimeout(timer);
      direct.close();
      watch.close();
    },
  };
}

/**
 * Whether every artifact in a directory is whole (its bundle matches its
 * manifest's hash), reading only the files that changed since they were
 * last found whole: the check runs on every change, on the path from an
 * edit to the new code serving.
 */
class Completeness {
  /** Path → identity (inode, size, mtime) of the file when it was last found whole. */
  readonly #whole = new Map<string, string>();

  clear(): void {
    this.#whole.clear();
  }

  async complete(dir: string): Promise<boolean> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return false;
    }
    const present = new Set<string>();
    for (const name of names) {
      if (!name.endsWith(ARTIFACT_SUFFIX)) continue;
      const path = join(dir, name);
      present.add(path);
      try {
        const stats = await stat(path, { bigint: true });
        if (!stats.isFile()) continue; // Not an artifact at all: the reload reports it.
        const identity = `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
        if (this.#whole.get(path) === identity) continue;
        decodeArtifact(await readFile(path, 'utf8'), path);
        this.#whole.set(path, identity);
      } catch {
        this.#whole.delete(path);
        return false;
      }
    }
    for (const path of this.#whole.keys()) if (!present.has(path)) this.#whole.delete(path);
    return true;
  }
}


/**
 * chokidar drops a second `change` of one file within 50 ms, so a quick
 * second save could go unseen. A plain `fs.watch` of the directory drops
 * nothing: it is the fast path, and chokidar (watching from the parent)
 * keeps working when the directory is deleted and made again, when it
 * re-arms this one.
 */
class DirectWatch {
  #watcher: FSWatcher | undefined;
  readonly #onArtifact: (path: string) => void;

  constructor(onArtifact: (path: string) => void) {
    this.#onArtifact = onArtifact;
  }

  arm(dir: string): void {
    this.close();
    try {
      const watcher = watchDir(dir, (_event, name) => {
        if (typeof name === 'string' && name.endsWith(ARTIFACT_SUFFIX)) this.#onArtifact(join(dir, name));
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
