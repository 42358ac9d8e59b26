import { ErrorCodes, HotswapError } from '../errors.js';
import { compileArtifact } from '../loader/evaluate.js';
import { scanPluginDir, type ScanCache, type Trust } from '../loader/scan.js';
import { fromArtifact, fromStatic, type Loadable, type StaticPlugin } from '../loader/static.js';
import { compareNames, keyOf } from '../names.js';

/** Where a reload's plugins come from: a plugin directory, or the static plugins compiled into the host. */
export type SourceSpec =
  | { kind: 'dir'; dir: string; whitelist: readonly string[] | undefined; trust: Trust; cache: ScanCache }
  | { kind: 'static'; plugins: readonly StaticPlugin[]; whitelist: readonly string[] | undefined };

/**
 * The first phase of a reload: the plugins to serve, sorted by name, after
 * the whitelist, with duplicate names, missing whitelisted names and an
 * empty set refused.
 */
export async function selectSources(spec: SourceSpec): Promise<Loadable[]> {
  if (spec.kind === 'dir') {
    const artifacts = await scanPluginDir(spec.dir, spec.whitelist, spec.trust, spec.cache);
    return artifacts.map((a) => fromArtifact(a, compileArtifact));
  }
  return staticSources(spec.plugins, spec.whitelist);
}

/** The static plugins as loadables, whitelist applied, checked for duplicate names like a directory's artifacts. */
function staticSources(plugins: readonly StaticPlugin[], whitelist: readonly string[] | undefined): Loadable[] {
  const wanted = whitelist === undefined || whitelist.length === 0 ? undefined : new Set(whitelist.map(keyOf));
  const seen = new Map<string, string>();
  const out: Loadable[] = [];
  for (const plugin of plugins) {
    const key = keyOf(plugin.name);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new HotswapError(ErrorCodes.DUPLICATE_PLUGIN, `two static plugins are named "${other}" and "${plugin.name}" (names are compared without case).`, {
        plugin: plugin.name,
        stage: 'scan',
        names: [other, plugin.name],
      });
    }
    seen.set(key, plugin.name);
    if (wanted === undefined || wanted.has(key)) out.push(fromStatic(plugin));
  }
  if (plugins.length === 0) {
    throw new HotswapError(ErrorCodes.PLUGIN_DIR_EMPTY, '`staticPlugins` is empty: build the table with `hotswap build <pluginDir> <outDir> --static-linking`.', {
      stage: 'scan',
    });
  }
  for (const name of whitelist ?? []) {
    if (!seen.has(keyOf(name))) {
      throw new HotswapError(ErrorCodes.WHITELIST_MISSING, `the whitelist names plugin "${name}" but no static plugin has that name.`, {
        plugin: name,
        stage: 'scan',
      });
    }
  }
  return out.sort((a, b) => compareNames(a.manifest.name, b.manifest.name));
}
