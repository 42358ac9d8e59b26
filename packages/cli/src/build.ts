import { analyse, type Analysis } from './build/analyse.js';
import { bundle } from './build/bundle.js';
import { discoverPlugins } from './build/discover.js';
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
  const settings = resolveOptions(options);
  const sources = discoverPlugins(settings.pluginDir, settings.filter);
  const { buildStamp, write } = settings;
  if (settings.staticLinking) {
    const analyses = await allInOrder(sources.map((source) => analyse(source, settings.livePrefix, settings.cache)));
    const staticTable = write ? writeStaticTable(settings.outputDir, analyses.map(({ source, live }) => ({ source, live }))) : undefined;
    return { plugins: [], buildStamp, written: write, ...(staticTable === undefined ? {} : { staticTable }) };
  }
  const packaged = await allInOrder(
    sources.map(async (source) => {
      const started = performance.now();
      const analysis = await analyse(source, settings.livePrefix, settings.cache);
      return packageOne(analysis, settings, started);
    }),
  );
  if (write) writeArtifacts(settings.outputDir, packaged);
  for (const plugin of packaged) options.onPlugin?.(plugin.built);
  return { plugins: packaged.map((p) => p.built), buildStamp, written: write };
}

async function packageOne(analysis: Analysis, settings: BuildSettings, started: number): Promise<Packaged> {
  return packagePlugin(analysis, await bundle(analysis, settings), settings, started);
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
