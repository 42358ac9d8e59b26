import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ARTIFACT_SUFFIX } from '@hotswap/core';
import { watch, type FSWatcher } from 'chokidar';
import { createBuildCache, stageBuild, type BuildOptions, type BuiltPlugin } from './build.js';
import { discoverPlugins, type NameFilter } from './build/discover.js';
import { sourceState } from './watch-state.js';

/** What `watchBuild` reports after each build. */
export type WatchEvent =
  | { kind: 'built'; plugins: BuiltPlugin[]; durationMs: number }
  | { kind: 'failed'; error: unknown; durationMs: number };

/** Options of {@link watchBuild}: those of a build, and how to report. */
export interface WatchBuildOptions extends BuildOptions {
  /**
   * The burst window, in ms: a change after a quiet time builds at once; changes within this long of each other
   * build once it has been quiet this long (or ten times this long, for a burst that goes on). Default 10 ms.
   */
  debounceMs?: number;
  /** Called after the first build and every rebuild, with its result or error. */
  onBuild?: (event: WatchEvent) => void;
}

/** A running `watchBuild`. */
export interface BuildWatcher {
  /** Resolves after the first build, once sources are being watched. */
  readonly ready: Promise<void>;
  /** Stops watching, waits for a build in progress, and releases esbuild's contexts. */
  stop(): Promise<void>;
}

/**
 * Builds every plugin under `pluginDir`, then rebuilds a plugin whenever one
 * of its sources changes, with esbuild's incremental rebuilds. A lone change
 * builds at once; changes during a build make one build after it, and a
 * burst of changes close together (within `debounceMs`) one build once it
 * has been quiet. A change event that changed no file of a plugin (a second
 * event of one save, an editor's hidden swap file) builds nothing. A build
 * during which a file changed (a save still being written, the next save of
 * a burst) is followed by another and is dropped, unwritten and unreported:
 * the host never reloads a version already out of date, or half read.
 * A failed build is reported and writes nothing; the watch goes on. A host
 * watching the output directory (`watchPluginDir`) then reloads the new
 * artifact.
 */
export function watchBuild(options: WatchBuildOptions): BuildWatcher {
  // Both with their symbolic links resolved, as discovery and esbuild report paths: a directory reached through a
  // link (a symlinked checkout, say) is then still one plugin or a directory of them, and the output inside it skipped.
  const root = realPath(resolve(options.pluginDir));
  const output = realPath(resolve(options.outputDir));
  // The watch keeps the process alive anyway: keep esbuild's contexts until stop().
  const cache = createBuildCache({ idleMs: Infinity });
  // A plugin directory itself, or a directory of plugin directories.
  const single = discoverPlugins(root).some((p) => p.dir === root);
  const debounceMs = options.debounceMs ?? 10;
  /** The plugins (directory names; '' for a single plugin) changed since their last build. */
  const pending = new Set<string>();
  /** Each plugin's source state when its last build started. */
  const built = new Map<string, string>();
  /**
   * Plugins with nothing written since their last build: that build failed (all or nothing, so a plugin
   * that was fine is in it too), or their artifact has gone from the output directory since. Each joins the
   * next build, whatever changes.
   */
  const unbuilt = new Set<string>();
  const dirOf = (name: string): string => (single ? root : join(root, name));
  const none = (): void => {};
  let cancel = none;
  let kind: 'leading' | 'trailing' | undefined;
  let lastChange = Number.NEGATIVE_INFINITY;
  let burstStart = 0;
  let building = false;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  let builds = 0;
  /** Where plugin `name` (a directory name; '' for a single plugin) writes its artifact. */
  const artifactOf = (name: string): string => join(output, `${single ? basename(root) : name}${ARTIFACT_SUFFIX}`);
  const run = async (names: string[] | undefined): Promise<void> => {
    // An artifact deleted from the output directory (`rm -rf` of it): built again with whatever builds next.
    for (const name of built.keys()) if (!existsSync(artifactOf(name))) unbuilt.add(name);
    // A plugin whose directory is gone has nothing to build any more.
    for (const name of unbuilt) if (!existsSync(dirOf(name))) unbuilt.delete(name);
    // Only the changed plugins that the user's --include and --exclude allow, and whose files did change.
    const requested = names === undefined ? undefined : [...new Set([...names, ...unbuilt])];
    const candidates = requested ?? (single ? [''] : discoverPlugins(root).map((p) => basename(p.dir)));
    // A plugin whose directory was removed builds nothing (its artifact stays, as the watch-mode guide says).
    const present = requested === undefined || single ? candidates : candidates.filter((name) => existsSync(dirOf(name)));
    const before = new Map(present.filter((name) => single || allows(options, name)).map((name) => [name, sourceState(dirOf(name), output)]));
    if (before.size === 0) return;
    const changedNow = names === undefined ? undefined : [...before.keys()].filter((name) => built.get(name) !== before.get(name));
    // An event that changed no file builds nothing, not even what waits to be built again.
    if (changedNow?.length === 0) return;
    const allowed = changedNow === undefined ? undefined : [...before.keys()].filter((name) => unbuilt.has(name) || built.get(name) !== before.get(name));
    const started = performance.now();
    /** The plugins whose files changed since `before`: the build may have read them mid-write. */
    const moved = (): string[] => [...before].filter(([name, state]) => sourceState(dirOf(name), output) !== state).map(([name]) => name);
    /** The build is done with (written or failed): what changed under it builds again. */
    const done = (again: readonly string[]): void => {
      for (const [name, state] of before) built.set(name, state);
      for (const name of again) pending.add(name);
    };
    try {
      const include = allowed === undefined || single ? options.include : new RegExp(`^(?:${allowed.map(escape).join('|')})$`);
      // Every rebuild is a new version: a stamp given by the user gets a build number.
      const stamp = options.buildStamp === undefined ? {} : { buildStamp: `${options.buildStamp}.${++builds}` };
      const staged = await stageBuild({ ...options, cache, ...stamp, ...(include === undefined ? {} : { include }) });
      const changed = moved();
      // A source changed while it was read (half-saved, perhaps): drop the whole build for the one after it.
      if (changed.length > 0) {
        for (const name of before.keys()) pending.add(name);
        return;
      }
      staged.write();
      done(changed);
      for (const name of before.keys()) unbuilt.delete(name);
      options.onBuild?.({ kind: 'built', plugins: staged.result.plugins, durationMs: performance.now() - started });
    } catch (error) {
      const changed = moved();
      done(changed);
      // Nothing of this build was written: its plugins go with the next one, the fine ones as well as the broken.
      for (const name of before.keys()) unbuilt.add(name);
      // A file changed while it was read: the build after this one decides.
      if (changed.length > 0) return;
      options.onBuild?.({ kind: 'failed', error, durationMs: performance.now() - started });
    }
  };
  const later = (ms: number, next: 'leading' | 'trailing'): void => {
    cancel();
    kind = next;
    if (ms === 0) {
      // Once this turn's other events (an editor's write and rename) are in, before any timer.
      const immediate = setImmediate(flush);
      cancel = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(flush, ms);
      cancel = () => clearTimeout(timeout);
    }
  };
  const flush = (): void => {
    cancel = none;
    kind = undefined;
    if (building || stopped || pending.size === 0) return;
    const names = [...pending];
    pending.clear();
    building = true;
    running = running
      .then(() => run(names))
      .finally(() => {
        building = false;
        // The changes made during the build: one build after it.
        if (pending.size > 0 && !stopped) later(0, 'leading');
      });
  };
  const changedPlugin = (name: string): void => {
    pending.add(name);
    const at = performance.now();
    const lone = at - lastChange > debounceMs && kind === undefined;
    lastChange = at;
    if (building || kind === 'leading') return;
    if (lone) return later(0, 'leading');
    if (kind !== 'trailing') {
      burstStart = at;
      later(debounceMs, 'trailing');
    } else if (at - burstStart < debounceMs * 10) {
      later(debounceMs, 'trailing');
    }
  };
  /** The plugin a path belongs to, or undefined for a path of no plugin's. */
  const pluginOf = (path: string): string | undefined => {
    const abs = resolve(path);
    if (abs.startsWith(output + sep) || abs === output) return undefined;
    const rel = relative(root, abs);
    if (rel.startsWith('..')) return undefined;
    if (single) return '';
    const name = rel.split(sep)[0];
    return name === undefined || name === rel || name === '' ? undefined : name;
  };
  const changed = (path: string): void => {
    const name = pluginOf(path);
    if (name !== undefined) changedPlugin(name);
  };

  const startWatcher = (): FSWatcher => {
    const made = watch(root, {
      ignoreInitial: true,
      ignored: (path) => /(^|[/\\])(node_modules|\.hotswap-[^/\\]*)([/\\]|$)/.test(path) || resolve(path).startsWith(output + sep),
    });
    made.on('add', changed).on('change', changed).on('unlink', changed);
    // chokidar's own events drop a second change of a file within 50 ms; the raw events of its file watches drop none.
    made.on('raw', (_event, entry, details) => {
      const watched = watchedPath(details);
      if (watched === undefined) return;
      // A file's own watch names the file; a directory's names the entry in it.
      changed(typeof entry !== 'string' || basename(watched) === entry ? watched : join(watched, entry));
    });
    // A watch error (a directory gone under it) is the follower's to mend, below.
    made.on('error', () => {});
    return made;
  };
  let watcher = startWatcher();
  // No file watcher of the plugin directory sees it deleted and made again (moved away and back, `rm -rf` and
  // a checkout): every FOLLOW_MS the directory's identity is compared, and a new one is watched and built whole.
  let identity = identityOf(root);
  const follower = setInterval(() => {
    const now = identityOf(root);
    if (now === identity || stopped) return;
    identity = now;
    void watcher.close();
    watcher = startWatcher();
    if (now === 'missing') return;
    let names: string[];
    try {
      names = single ? [''] : discoverPlugins(root).map((p) => basename(p.dir));
    } catch {
      // Not a plugin directory yet (a checkout under way): its files' events build it as they come.
      return;
    }
    for (const name of names) changedPlugin(name);
  }, FOLLOW_MS);
  running = run(undefined);
  const ready = Promise.all([running, new Promise<void>((r) => watcher.once('ready', () => r()))]).then(() => undefined);
  return {
    ready,
    async stop() {
      stopped = true;
      clearInterval(follower);
      cancel();
      await watcher.close();
      await running;
      await cache.dispose();
    },
  };
}

/** `path` with its symbolic links resolved, as far as it exists: the output directory may not exist yet. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

/** How often `watchBuild` checks that its plugin directory is the one it watches: a `stat`, a few microseconds. */
const FOLLOW_MS = 200;

/** Which directory `path` is now (device and inode), or `missing`: one deleted and made again is another. */
function identityOf(path: string): string {
  try {
    const info = statSync(path);
    return `${info.dev}:${info.ino}`;
  } catch {
    return 'missing';
  }
}

/** The path a chokidar file watch reported a raw event for. */
function watchedPath(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null || !('watchedPath' in details)) return undefined;
  return typeof details.watchedPath === 'string' ? details.watchedPath : undefined;
}

/** Whether a plugin name passes `include` and `exclude`, as the build's discovery tests it. */
function allows(filter: NameFilter, name: string): boolean {
  return (filter.include === undefined || filter.include.test(name)) && (filter.exclude === undefined || !filter.exclude.test(name));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
