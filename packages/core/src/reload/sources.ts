import { compareNames } from '../names.js';
import { compileArtifact } from '../loader/evaluate.js';
import { scanPluginDir, type ScanCache, type ScanOptions } from '../loader/scan.js';
import { applyWhitelist, checkDuplicates, checkNotEmpty, checkWhitelistFound } from '../loader/select.js';
import { fromArtifact, fromStatic, type Loadable, type StaticPlugin } from '../loader/static.js';

/** Where a reload's plugins come from: a plugin directory, or the static plugins compiled into the host. */
export type SourceSpec =
  | { kind: 'dir'; dir: string; whitelist: readonly string[] | undefined; options: ScanOptions; cache: ScanCache }
  | { kind: 'static'; plugins: readonly StaticPlugin[]; whitelist: readonly string[] | undefined };

/**
 * The first phase of a reload: the plugins to serve, sorted by name, after
 * the whitelist, with duplicate names, missing whitelisted names and an
 * empty set refused, by the same checks for both kinds of source.
 */
export async function selectSources(spec: SourceSpec): Promise<Loadable[]> {
  if (spec.kind === 'dir') {
    const artifacts = await scanPluginDir(spec.dir, spec.whitelist, spec.options, spec.cache);
    return artifacts.map((a) => fromArtifact(a, compileArtifact));
  }
  const source = { kind: 'static' } as const;
  const name = (p: StaticPlugin): string => p.name;
  checkDuplicates(spec.plugins, name, source);
  checkNotEmpty(spec.plugins.length, source);
  checkWhitelistFound(spec.plugins.map(name), spec.whitelist, source);
  const chosen = applyWhitelist(spec.plugins, spec.whitelist, name);
  return chosen.map(fromStatic).sort((a, b) => compareNames(a.manifest.name, b.manifest.name));
}
