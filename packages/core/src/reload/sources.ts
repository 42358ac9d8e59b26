import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compareNames } from '../names.js';
import { compileArtifact } from '../loader/evaluate.js';
import { scanPluginDir, type ScanCache, type ScanOptions } from '../loader/scan.js';
import { applyWhitelist, checkDuplicates, checkNotEmpty, checkWhitelistFound } from '../loader/select.js';
import { fromArtifact, fromStatic, type Loadable, type StaticPlugin } from '../loader/static.js';
import { checkOwnerAndMode } from '../loader/trust.js';
import { checkReleaseArtifacts } from '../release/check.js';
import { RELEASE_MANIFEST, verifyReleaseSignature } from '../release/manifest.js';
import { resolveRelease } from '../release/resolve.js';

/** Where a reload's plugins come from: a plugin directory, or the static plugins compiled into the host. */
export type SourceSpec =
  | { kind: 'dir'; dir: string; whitelist: readonly string[] | undefined; options: ScanOptions; cache: ScanCache }
  | { kind: 'static'; plugins: readonly StaticPlugin[]; whitelist: readonly string[] | undefined };

/** What a reload reads: the plugins, and the release they come from when the directory is a release. */
export interface Selected {
  sources: Loadable[];
  /** The id of the release every artifact was read from. */
  release: string | undefined;
}

/**
 * The first phase of a reload: the plugins to serve, sorted by name, after
 * the whitelist, with duplicate names, missing whitelisted names and an
 * empty set refused, by the same checks for both kinds of source. A
 * directory that is a release (a root, its `current` link, or a release
 * directory) is resolved once, and every artifact is read from the one
 * release it named then and checked against its manifest.
 */
export async function selectSources(spec: SourceSpec): Promise<Selected> {
  if (spec.kind === 'dir') {
    const release = await resolveRelease(spec.dir);
    if (release === undefined) {
      const artifacts = await scanPluginDir(spec.dir, spec.whitelist, spec.options, spec.cache);
      return { sources: artifacts.map((a) => fromArtifact(a, compileArtifact)), release: undefined };
    }
    const { dir, manifest } = release;
    if (spec.options.allowInsecureDir !== true) {
      // Whoever can write the root or releases/ could point `current` elsewhere or add a release.
      for (const d of new Set([release.root, dirname(dir)])) if (d !== undefined) checkOwnerAndMode(d, statSync(d), 'directory');
    }
    if (spec.options.publicKey !== undefined) verifyReleaseSignature(manifest, spec.options.publicKey, join(dir, RELEASE_MANIFEST));
    const artifacts = await scanPluginDir(dir, spec.whitelist, { ...spec.options, sharedInodes: true }, spec.cache);
    checkReleaseArtifacts(release, artifacts, spec.whitelist);
    return { sources: artifacts.map((a) => fromArtifact(a, compileArtifact)), release: release.id };
  }
  const source = { kind: 'static' } as const;
  const name = (p: StaticPlugin): string => p.name;
  checkDuplicates(spec.plugins, name, source);
  checkNotEmpty(spec.plugins.length, source);
  checkWhitelistFound(spec.plugins.map(name), spec.whitelist, source);
  const chosen = applyWhitelist(spec.plugins, spec.whitelist, name);
  return { sources: chosen.map(fromStatic).sort((a, b) => compareNames(a.manifest.name, b.manifest.name)), release: undefined };
}
