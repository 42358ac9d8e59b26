import { relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';
import { build, createBuildCache, type BuildOptions, type BuiltPlugin } from './build.js';
import { discoverPlugins, type NameFilter } from './build/discover.js';

/** What `watchBuild` reports after each build. */
export type WatchEvent =
  | { kind: 'built'; plugins: BuiltPlugin[]; durationMs: number }
  | { kind: 'failed'; error: unknown; durationMs: number };

/** Options of {@link watchBuild}: those of a build, and how to report. */
export interface WatchBuildOptions extends BuildOptions {
  /** Quiet time after the last source change before rebuilding, so an editor's save (write, rename) makes one build. Default 10 ms. */
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
 * of its sources changes, with esbuild's incremental rebuilds. A failed build
 * is reported and writes nothing; the watch goes on. A host watching the
 * output directory (`watchPluginDir`) then reloads the new artifact.
 */
export function watchBuild(options: WatchBuildOptions): BuildWatcher {
  const root = resolve(options.pluginDir);
  const output = resolve(options.outputDir);
  // The watch keeps the process alive anyway: keep esbuild's contexts until stop().
  const cache = createBuildCache({ idleMs: Infinity });
  // A plugin directory itself, or a directory of plugin directories.
  const single = discoverPlugins(root).some((p) => p.dir === root);
  const debounceMs = options.debounceMs ?? 10;
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  let builds = 0;
  const run = async (names: string[] | undefined): Promise<void> => {
    // Only the changed plugins that the user's --include and --exclude allow.
    const allowed = names?.filter((name) => allows(options, name));
    if (allowed?.length === 0) return;
    const started = performance.now();
    try {
      const include = allowed === undefined ? options.include : new RegExp(`^(?:${allowed.map(escape).join('|')})$`);
      // Every rebuild is a new version: a stamp given by the user gets a build number.
      const stamp = options.buildStamp === undefined ? {} : { buildStamp: `${options.buildStamp}.${++builds}` };
      const result = await build({ ...options, cache, ...stamp, ...(include === undefined ? {} : { include }) });
      options.onBuild?.({ kind: 'built', plugins: result.plugins, durationMs: performance.now() - started });
    } catch (error) {
      options.onBuild?.({ kind: 'failed', error, durationMs: performance.now() - started });
    }
  };
  const changed = (path: string): void => {
    const abs = resolve(path);
    if (abs.startsWith(output + sep) || abs === output) return;
    const rel = relative(root, abs);
    const name = single ? undefined : rel.split(sep)[0];
    if (!single && (name === undefined || name === rel)) return;
    pending.add(name ?? '');
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const names = single ? undefined : [...pending];
      pending.clear();
      running = running.then(() => run(names));
    }, debounceMs);
  };

  const watcher = watch(root, {
    ignoreInitial: true,
    ignored: (path) => /(^|[/\\])(node_modules|\.hotswap-[^/\\]*)([/\\]|$)/.test(path) || resolve(path).startsWith(output + sep),
  });
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  running = run(undefined);
  const ready = Promise.all([running, new Promise<void>((r) => watcher.once('ready', () => r()))]).then(() => undefined);
  return {
    ready,
    async stop() {
      if (timer !== undefined) clearTimeout(timer);
      await watcher.close();
      await running;
      await cache.dispose();
    },
  };
}

/** Whether a plugin name passes `include` and `exclude`, as the build's discovery tests it. */
function allows(filter: NameFilter, name: string): boolean {
  return (filter.include === undefined || filter.include.test(name)) && (filter.exclude === undefined || !filter.exclude.test(name));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
