import { relative, sep } from 'node:path';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { BuildCache } from './cache.js';
import { bundleError } from './code-frame.js';
import type { PluginSource } from './discover.js';
import { liveNamesOf, scanExports, type LiveName } from './live.js';

/** What a plugin's sources say before bundling: its entry and its live names. */
export interface Analysis {
  source: PluginSource;
  /** The entry file, relative to the plugin directory, with `/`. */
  entry: string;
  /** Its live functions and types, from any of its modules. */
  live: LiveName[];
}

/**
 * Reads every module of a plugin for its exports, checks that the entry has a
 * default export (`HOTSWAP_BUILD_NO_DEFINITION`) and finds the live names. A
 * module that does not parse fails the build with its code frame. With a
 * `cache`, the read is an incremental esbuild rebuild.
 */
export async function analyse(source: PluginSource, livePrefix: string, cache?: BuildCache): Promise<Analysis> {
  let exports: Map<string, string[]>;
  try {
    exports = await scanExports(source.dir, cache, source.name);
  } catch (error) {
    throw await bundleError(source, error);
  }
  const entry = relative(source.dir, source.entry).split(sep).join('/');
  if (!(exports.get(entry) ?? []).includes('default')) {
    throw new BuildError(
      BuildErrorCodes.NO_DEFINITION,
      `plugin "${source.name}": ${relative(process.cwd(), source.entry)} has no default export. ` +
        `End it with \`export default definePlugin({ ... })\`.`,
      { plugin: source.name },
    );
  }
  return { source, entry, live: liveNamesOf(exports, livePrefix) };
}
