import * as esbuild from 'esbuild';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { Analysis } from './analyse.js';

/** The esbuild options of one plugin's bundle: in memory, with a metafile. */
export type BundleOptions = esbuild.BuildOptions & { write: false; metafile: true };

/** What esbuild returns for {@link BundleOptions}. */
export type Bundled = esbuild.BuildResult<BundleOptions>;

/**
 * esbuild contexts kept between builds of the same plugins, so a rebuild is
 * incremental (`hotswap watch` keeps one). A script may end without
 * disposing it: contexts idle for `idleMs` are released on their own.
 */
export interface BuildCache {
  /** Releases the esbuild contexts now; a later build with this cache makes new ones. */
  dispose(): Promise<void>;
}

/** Options of {@link createBuildCache}. */
export interface BuildCacheOptions {
  /**
   * How long the contexts are kept after the last build that used them, in
   * milliseconds. While esbuild holds a context, Node cannot exit, so they are
   * released after this much idle time. Default 1000; `Infinity` keeps them
   * until {@link BuildCache.dispose}.
   */
  idleMs?: number;
}

interface Store {
  contexts: Map<string, { key: string; context: esbuild.BuildContext<BundleOptions> }>;
  /** Each plugin's last analysis (by name), for the next build to bundle with while it analyses again. */
  analyses: Map<string, Analysis>;
  idleMs: number;
  /** Builds running with this cache. */
  active: number;
  timer: NodeJS.Timeout | undefined;
}

// Keyed by the caches handed out, so only a cache made here reaches esbuild's contexts.
const stores = new WeakMap<BuildCache, Store>();

/** A cache for incremental rebuilds: pass it as `cache` to every {@link build}. */
export function createBuildCache(options: BuildCacheOptions = {}): BuildCache {
  const idleMs = options.idleMs ?? 1000;
  if (!(idleMs >= 0)) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `idleMs ${String(idleMs)} is not a number of milliseconds: give 0 or more, or Infinity.`);
  }
  const store: Store = { contexts: new Map(), analyses: new Map(), idleMs, active: 0, timer: undefined };
  const cache: BuildCache = { dispose: () => release(store) };
  stores.set(cache, store);
  return cache;
}

/**
 * Bundles with esbuild: through the plugin's context in `cache` (made, or
 * made again when the options changed), or as a one-off build without one.
 */
export async function bundleWith(cache: BuildCache | undefined, name: string, options: BundleOptions): Promise<Bundled> {
  const store = cache === undefined ? undefined : stores.get(cache);
  if (store === undefined) return esbuild.build(options);
  store.active++;
  clearTimeout(store.timer);
  try {
    const key = JSON.stringify(options);
    let entry = store.contexts.get(name);
    if (entry?.key !== key) {
      await entry?.context.dispose();
      entry = { key, context: await esbuild.context(options) };
      store.contexts.set(name, entry);
    }
    return await entry.context.rebuild();
  } finally {
    if (--store.active === 0 && Number.isFinite(store.idleMs)) {
      // Unref'd: the timer alone never keeps a process alive; esbuild's context does, until the timer releases it.
      store.timer = setTimeout(() => void release(store), store.idleMs).unref();
    }
  }
}

/** The analysis of plugin `name` by the last build with `cache`, if any. */
export function lastAnalysis(cache: BuildCache | undefined, name: string): Analysis | undefined {
  return cache === undefined ? undefined : stores.get(cache)?.analyses.get(name);
}

/** Keeps a plugin's analysis in `cache`, for the next build to bundle with while it analyses again. */
export function keepAnalysis(cache: BuildCache | undefined, analysis: Analysis): void {
  if (cache !== undefined) stores.get(cache)?.analyses.set(analysis.source.name, analysis);
}

async function release(store: Store): Promise<void> {
  clearTimeout(store.timer);
  store.timer = undefined;
  const entries = [...store.contexts.values()];
  store.contexts.clear();
  await Promise.all(entries.map((e) => e.context.dispose()));
}
