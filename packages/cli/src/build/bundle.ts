import { join, relative, resolve, sep } from 'node:path';
import { ARTIFACT_SUFFIX, HOST_MODULE } from '@hotswap/core';
import type * as esbuild from 'esbuild';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { Analysis } from './analyse.js';
import { bundleWith, type Bundled, type BundleOptions } from './cache.js';
import { bundleError } from './code-frame.js';
import { liveEntry } from './live.js';
import type { BuildSettings } from './options.js';

/** One plugin bundled by esbuild, checked, in memory. */
export interface Bundle {
  /** Where its artifact goes. */
  artifact: string;
  /** The CommonJS bundle, without a source map comment. */
  js: string;
  /** Its source map, as JSON text. */
  map: string;
  metafile: esbuild.Metafile;
  /** The shared modules the bundle really imports, sorted. */
  usedShared: string[];
  /** Every source file bundled, relative to the plugin directory (or, for packages, the working directory), with `/`. */
  inputs: string[];
}

/**
 * Bundles one analysed plugin with esbuild into one CommonJS file for Node,
 * shared modules left out. Refuses a plugin that pulls in a file outside its
 * directory (`HOTSWAP_BUILD_OUTSIDE_MODULE`).
 */
export async function bundle(analysis: Analysis, settings: BuildSettings): Promise<Bundle> {
  const { source } = analysis;
  const artifact = join(settings.outputDir, `${source.name}${ARTIFACT_SUFFIX}`);
  let result: Bundled;
  try {
    result = await bundleWith(settings.cache, source.name, esbuildOptions(analysis, settings, artifact));
  } catch (error) {
    throw await bundleError(source, error);
  }
  const inputs = Object.keys(result.metafile.inputs);
  const outside = inputs.filter((input) => isOutside(input, source.dir));
  if (outside.length > 0) {
    throw new BuildError(
      BuildErrorCodes.OUTSIDE_MODULE,
      `plugin "${source.name}" imports ${outside.map((i) => relative(process.cwd(), resolve(i))).join(', ')}, ` +
        `outside its directory ${relative(process.cwd(), source.dir) || '.'}. Code outside a plugin is the host's and must not be copied into it: ` +
        `import it by a specifier the host shares (a package name or a package.json "imports" alias such as #g) and pass that to --shared.`,
      { plugin: source.name },
    );
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'));
  if (js === undefined || map === undefined) {
    throw new BuildError(BuildErrorCodes.BUNDLE_FAILED, `esbuild produced no bundle for plugin "${source.name}".`, { plugin: source.name });
  }
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const imports = (output?.imports ?? []).filter((i) => i.external && settings.shared.includes(i.path)).map((i) => i.path);
  return {
    artifact,
    js: js.text,
    map: map.text,
    metafile: result.metafile,
    usedShared: [...new Set(imports)].sort(),
    inputs: inputs.map((i) => displayPath(i, source.dir)),
  };
}

function esbuildOptions(analysis: Analysis, settings: BuildSettings, artifact: string): BundleOptions {
  return {
    minifySyntax: !settings.debug,
    keepNames: true,
    legalComments: 'inline',
    target: 'node20',
    ...settings.extra,
    // import() of a built-in or a shared module becomes require(): the host's instance, and no
    // dynamic-import callback that would tie the version to the module loader.
    supported: { ...settings.extra.supported, 'dynamic-import': false },
    ...entryOf(analysis),
    outfile: artifact,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: 'external',
    sourcesContent: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The host API stays out of the bundle too: a plugin that imports it fails to load, as it must.
    external: [...settings.shared, HOST_MODULE],
  };
}

/** The plugin's entry; with live names, an entry that also exports every one of them, wherever it is defined. */
function entryOf({ source, entry, live }: Analysis): Pick<esbuild.BuildOptions, 'entryPoints' | 'stdin'> {
  if (live.length === 0) return { entryPoints: [source.entry] };
  return {
    stdin: { contents: liveEntry(entry, live), resolveDir: source.dir, sourcefile: 'hotswap-live-entry.ts', loader: 'ts' },
  };
}

/** A bundled file relative to the plugin directory, or to the working directory for one outside it (a package). */
function displayPath(input: string, dir: string): string {
  const abs = resolve(input);
  const rel = relative(dir, abs);
  return (rel.startsWith('..') ? relative(process.cwd(), abs) : rel).split(sep).join('/');
}

function isOutside(input: string, dir: string): boolean {
  // Inputs in a namespace of esbuild's own (`<stdin>`, `(disabled):x`) are not files of anybody's.
  if (input.startsWith('<') || /^\(?[a-z-]+\)?:/.test(input)) return false;
  const abs = resolve(input);
  if (abs.split(sep).includes('node_modules')) return false;
  const rel = relative(dir, abs);
  return rel.startsWith('..') || resolve(dir, rel) !== abs;
}
