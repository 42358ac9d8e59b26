import { analyse, type Analysis } from './build/analyse.js';
import { bundle } from './build/bundle.js';
import { keepAnalysis, lastAnalysis } from './build/cache.js';
import { discoverPlugins, type PluginSource } from './build/discover.js';
import { resolveOptions, type BuildOptions, type BuildResult, type BuildSettings } from './build/options.js';
import { packagePlugin, type Packaged } from './build/package.js';
import { writeStaticTable } from './build/static.js';
import { writeArtifacts } from './build/write.js';

export { createBuildCache } from './build/cache.js';
export type { BuildCache, BuildCacheOptions } from './build/cache.js';
export { newBuildStamp } from './build/options.js';
export type { BuildOptions, BuildResult, BuiltPlugin } from './build/options.js';

/**
 * Builds every plugin under `pluginDir` into one artifact each. The plugins
 * are bundled in parallel; only if every one succeeds are the artifacts
 * written, all together: each to a temporary file, then renamed into place,
 * and if one cannot be, those already replaced are put back. A host never
 * reads a half-written artifact and a failed build writes nothing.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const staged = await stageBuild(options);
  staged.write();
  return staged.result;
}

/** A build bundled and packaged in memory: `write()` writes it (as `build()` does), or the caller drops it. */
export interface StagedBuild {
  readonly result: BuildResult;
  /** Writes the artifacts, all or none, and reports each plugin to `onPlugin`; does nothing with `write: false`. */
  write(): void;
}

/** Everything of {@link build} but the writing, so `hotswap watch` can drop a build whose sources changed under it. */
export async function stageBuild(options: BuildOptions): Promise<StagedBuild> {
  const settings = resolveOptions(options);
  const sources = discoverPlugins(settings.pluginDir, settings.filter);
  const { buildStamp, write } = settings;
  if (settings.staticLinking) {
    const analyses = await allInOrder(sources.map((source) => analyse(source, settings.livePrefix, settings.cache)));
    const staticTable = write ? writeStaticTable(settings.outputDir, analyses.map(({ source, live }) => ({ source, live }))) : undefined;
    return { result: { plugins: [], buildStamp, written: write, ...(staticTable === undefined ? {} : { staticTable }) }, write: () => {} };
  }
  const packaged = await allInOrder(sources.map((source) => buildOne(source, settings)));
  return {
    result: { plugins: packaged.map((p) => p.built), buildStamp, written: write },
    write() {
      if (write) writeArtifacts(settings.outputDir, packaged);
      for (const plugin of packaged) options.onPlugin?.(plugin.built);
    },
  };
}

/**
 * Analyses and bundles one plugin. With a cache, the bundle runs while the
 * analysis does, with the last build's analysis (its entry and live names
 * rarely change from one save to the next); if the new analysis differs,
 * the plugin is bundled again with it.
 */
async function buildOne(source: PluginSource, settings: BuildSettings): Promise<Packaged> {
  const started = performance.now();
  const guess = lastAnalysis(settings.cache, source.name);
  const early = guess === undefined || !sameSource(guess.source, source) ? undefined : bundle(guess, settings).catch(() => undefined);
  let analysis: Analysis;
  try {
    analysis = await analyse(source, settings.livePrefix, settings.cache);
  } catch (error) {
    await early;
    throw error;
  }
  keepAnalysis(settings.cache, analysis);
  const guessed = await early;
  const bundled = guessed !== undefined && guess !== undefined && sameAnalysis(guess, analysis) ? guessed : await bundle(analysis, settings);
  return packagePlugin(analysis, bundled, settings, started);
}

function sameSource(a: PluginSource, b: PluginSource): boolean {
  return a.name === b.name && a.version === b.version && a.dir === b.dir && a.entry === b.entry;
}

function sameAnalysis(a: Analysis, b: Analysis): boolean {
  const names = (x: Analysis): string => JSON.stringify(x.live.map((l) => [l.name, l.module]));
  return sameSource(a.source, b.source) && a.entry === b.entry && names(a) === names(b);
}

/**
 * Waits for every plugin, so no bundle is still running when the build ends,
 * then fails with the first plugin's error in plugin order, whichever
 * failed first in time.
 */
async function allInOrder<T>(work: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const values: T[] = [];
  for (const result of await Promise.allSettled(work)) {
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  return values;
}
