import { createPrivateKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ARTIFACT_SUFFIX, CORE_MODULE, CORE_VERSION, encodeArtifact, HOST_MODULE, type Manifest } from '@hotswap/core';
import * as esbuild from 'esbuild';
import { discoverPlugins, type NameFilter, type PluginSource } from './discover.js';
import { BuildError, BuildErrorCodes, type SourceLocation } from './errors.js';
import { parseEsbuildFlags } from './esbuild-flags.js';
import { DEFAULT_LIVE_PREFIX, liveEntry, liveNamesOf, scanExports, type LiveName } from './live.js';
import { writeStaticTable, type StaticEntry } from './static.js';

/** What to build and how; `hotswap build` fills it from its flags. */
export interface BuildOptions {
  /** A plugin directory, or a directory of plugin directories. */
  pluginDir: string;
  /** Where the artifacts are written, one `<name>.hotswap.js` per plugin. */
  outputDir: string;
  /** Modules the host shares: left out of the bundle, taken from the host at load time. */
  shared?: readonly string[];
  /** Only plugins whose name matches (Go's `--include`). */
  include?: RegExp;
  /** Not plugins whose name matches (Go's `--exclude`). */
  exclude?: RegExp;
  /** No minification, for reading and stepping through the bundle (Go's `--debug`). */
  debug?: boolean;
  /** When false, check and bundle the plugins but write no artifact (Go's `--goBuild=false`). */
  write?: boolean;
  /** Keep the bundle, its source map and esbuild's metafile beside the artifacts, in `.hotswap-temp/` (Go's `--leaveTemps`). */
  leaveTemps?: boolean;
  /** The build stamp recorded in every artifact of this build. Defaults to a new one. */
  buildStamp?: string;
  /**
   * Exports whose name starts with this (compared without case), in any module
   * of a plugin, are its live functions and live types (Go's `--livePrefix`).
   * Default `live_`.
   */
  livePrefix?: string;
  /** Bundler flags in esbuild's CLI syntax, as given after `--`. */
  bundlerFlags?: readonly string[];
  /**
   * Instead of artifacts, write `hotswap.static-plugins.ts` into the output
   * directory: a table of the plugins for a host to compile in (Go's
   * `--staticLinking`).
   */
  staticLinking?: boolean;
  /**
   * An Ed25519 private key (PEM text or KeyObject) to sign every artifact
   * with; a host with the matching `publicKey` loads only signed artifacts.
   */
  signingKey?: string | KeyObject;
  /** esbuild contexts to reuse, for incremental rebuilds (see {@link createBuildCache}). */
  cache?: BuildCache;
  /** Called as each plugin is built. */
  onPlugin?: (plugin: BuiltPlugin) => void;
}

/** One plugin that was built. */
export interface BuiltPlugin {
  name: string;
  version: string;
  /** The artifact's path (where it was, or would have been, written). */
  artifact: string;
  /** The artifact's size in bytes. */
  bytes: number;
  /** Milliseconds spent bundling this plugin. */
  durationMs: number;
  manifest: Manifest;
  /** Every source file bundled, relative to the plugin directory, or to the working directory for packages. */
  inputs: string[];
}

/** What a build produced. */
export interface BuildResult {
  plugins: BuiltPlugin[];
  buildStamp: string;
  /** Whether the artifacts were written. */
  written: boolean;
  /** With `staticLinking`: the table written. */
  staticTable?: string;
}

/**
 * Builds every plugin under `pluginDir` into one artifact each. All plugins
 * are bundled first; only if every one succeeds are the artifacts written,
 * each atomically (a temporary file, then a rename), so a host never reads a
 * half-written artifact and a failed build writes nothing.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const filter: NameFilter = { include: options.include, exclude: options.exclude };
  const sources = discoverPlugins(options.pluginDir, filter);
  const extra = parseEsbuildFlags(options.bundlerFlags ?? []);
  const shared = [...new Set([CORE_MODULE, ...(options.shared ?? [])])];
  const buildStamp = options.buildStamp ?? newBuildStamp();
  const livePrefix = options.livePrefix ?? DEFAULT_LIVE_PREFIX;
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(livePrefix)) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `the live prefix ${JSON.stringify(livePrefix)} is not the start of an identifier.`);
  }
  const outputDir = resolve(options.outputDir);
  if (options.staticLinking === true) {
    const entries: StaticEntry[] = [];
    for (const source of sources) {
      const exports = await scan(source);
      checkDefinition(source, exports);
      entries.push({ source, live: liveNamesOf(exports, livePrefix) });
    }
    const write = options.write !== false;
    return {
      plugins: [],
      buildStamp,
      written: write,
      ...(write ? { staticTable: writeStaticTable(outputDir, entries) } : {}),
    };
  }
  const sign = signer(options.signingKey);
  const bundles: Bundle[] = [];
  for (const source of sources) {
    const bundle = await bundlePlugin(source, { ...options, shared, extra, buildStamp, outputDir, livePrefix, sign });
    bundles.push(bundle);
  }
  const write = options.write !== false;
  if (write) await writeArtifacts(outputDir, bundles, options.leaveTemps === true);
  for (const bundle of bundles) options.onPlugin?.(bundle.built);
  return { plugins: bundles.map((b) => b.built), buildStamp, written: write };
}

/** A new build stamp: the UTC time to the second and six random hex digits. */
export function newBuildStamp(): string {
  const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${time}-${randomBytes(3).toString('hex')}`;
}

interface Bundle {
  built: BuiltPlugin;
  text: string;
  temps: Record<string, string>;
}

interface BundleSettings {
  shared: string[];
  extra: esbuild.BuildOptions;
  buildStamp: string;
  outputDir: string;
  livePrefix: string;
  debug?: boolean | undefined;
  leaveTemps?: boolean | undefined;
  cache?: BuildCache | undefined;
  sign: ((payload: Buffer) => string) | undefined;
}

function signer(key: string | KeyObject | undefined): ((payload: Buffer) => string) | undefined {
  if (key === undefined) return undefined;
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch (error) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `the signing key is not a private key: ${(error as Error).message}`, { cause: error });
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `the signing key must be an Ed25519 private key (hotswap keygen makes one).`);
  }
  return (payload) => sign(null, payload, object).toString('base64');
}

/**
 * esbuild contexts kept between builds of the same plugins, so a rebuild is
 * incremental (`hotswap watch` keeps one). Dispose it when done.
 */
export interface BuildCache {
  /** Releases the esbuild contexts. */
  dispose(): Promise<void>;
}

interface ContextCache extends BuildCache {
  contexts: Map<string, { key: string; context: esbuild.BuildContext<{ write: false; metafile: true }> }>;
}

/** A cache for incremental rebuilds: pass it as `cache` to every {@link build}. */
export function createBuildCache(): BuildCache {
  const contexts: ContextCache['contexts'] = new Map();
  const cache: ContextCache = {
    contexts,
    async dispose() {
      await Promise.all([...contexts.values()].map((c) => c.context.dispose()));
      contexts.clear();
    },
  };
  return cache;
}

type Bundled = esbuild.BuildResult<{ write: false; metafile: true }>;

async function bundleWith(cache: BuildCache | undefined, name: string, options: esbuild.BuildOptions & { write: false; metafile: true }): Promise<Bundled> {
  if (cache === undefined) return esbuild.build(options);
  const { contexts } = cache as ContextCache;
  const key = JSON.stringify(options);
  let entry = contexts.get(name);
  if (entry?.key !== key) {
    await entry?.context.dispose();
    entry = { key, context: await esbuild.context(options) };
    contexts.set(name, entry);
  }
  return entry.context.rebuild();
}

async function bundlePlugin(source: PluginSource, settings: BundleSettings): Promise<Bundle> {
  const started = performance.now();
  const artifact = join(settings.outputDir, `${source.name}${ARTIFACT_SUFFIX}`);
  const exports = await scan(source);
  checkDefinition(source, exports);
  const options = (entry: Pick<esbuild.BuildOptions, 'entryPoints' | 'stdin'>): esbuild.BuildOptions & { write: false; metafile: true } => ({
    minifySyntax: settings.debug !== true,
    keepNames: true,
    legalComments: 'inline',
    target: 'node20',
    ...settings.extra,
    // import() of a built-in or a shared module becomes require(): the host's instance, and no
    // dynamic-import callback that would tie the version to the module loader.
    supported: { ...settings.extra.supported, 'dynamic-import': false },
    ...entry,
    outfile: artifact,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    sourcemap: 'external',
    sourcesContent: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The host API is never bundled into a plugin; the host does not give it to plugins either.
    external: [...settings.shared, HOST_MODULE],
  });
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  let live: LiveName[];
  try {
    live = liveNamesOf(exports, settings.livePrefix);
    // With live names, bundle from an entry that also exports every one of them, wherever it is defined.
    const entry: Pick<esbuild.BuildOptions, 'entryPoints' | 'stdin'> =
      live.length === 0
        ? { entryPoints: [source.entry] }
        : {
            stdin: {
              contents: liveEntry(relative(source.dir, source.entry).split(sep).join('/'), live),
              resolveDir: source.dir,
              sourcefile: 'hotswap-live-entry.ts',
              loader: 'ts',
            },
          };
    result = await bundleWith(settings.cache, source.name, options(entry));
  } catch (error) {
    throw await bundleError(source, error);
  }
  const outside = Object.keys(result.metafile.inputs).filter((input) => isOutside(input, source.dir));
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
    throw new BuildError(BuildErrorCodes.BUNDLE_FAILED, `esbuild produced no bundle for plugin "${source.name}".`, {
      plugin: source.name,
    });
  }
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const usedShared = [...new Set((output?.imports ?? []).filter((i) => i.external && settings.shared.includes(i.path)).map((i) => i.path))].sort();
  const code = `${js.text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n')}//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(map.text).toString('base64')}\n`;
  const manifest: Omit<Manifest, 'hash' | 'format'> = {
    name: source.name,
    version: source.version,
    core: CORE_VERSION,
    shared: usedShared,
    buildStamp: settings.buildStamp,
    builtAt: new Date().toISOString(),
    entry: relative(source.dir, source.entry).split(sep).join('/'),
    live: live.map((l) => l.name),
  };
  const text = encodeArtifact(manifest, code, settings.sign);
  const full = JSON.parse(text.slice(text.indexOf('{'), text.indexOf('\n'))) as Manifest;
  const inputs = Object.keys(result.metafile.inputs).map((i) => {
    const abs = resolve(i);
    return isOutside(i, source.dir) ? relative(process.cwd(), abs) : relative(source.dir, abs);
  });
  return {
    built: {
      name: source.name,
      version: source.version,
      artifact,
      bytes: Buffer.byteLength(text),
      durationMs: performance.now() - started,
      manifest: full,
      inputs: inputs.map((i) => i.split(sep).join('/')),
    },
    text,
    temps: settings.leaveTemps === true ? { 'bundle.js': js.text, 'bundle.js.map': map.text, 'meta.json': JSON.stringify(result.metafile, null, 2) } : {},
  };
}

/** The exports of every module of a plugin; a module that does not parse fails the build with its code frame. */
async function scan(source: PluginSource): Promise<Map<string, string[]>> {
  try {
    return await scanExports(source.dir);
  } catch (error) {
    throw await bundleError(source, error);
  }
}

/** A plugin whose entry has no default export cannot be loaded: say so at build time. */
function checkDefinition(source: PluginSource, exports: ReadonlyMap<string, readonly string[]>): void {
  const entry = relative(source.dir, source.entry).split(sep).join('/');
  if (!(exports.get(entry) ?? []).includes('default')) {
    throw new BuildError(
      BuildErrorCodes.NO_DEFINITION,
      `plugin "${source.name}": ${relative(process.cwd(), source.entry)} has no default export. ` +
        `End it with \`export default definePlugin({ ... })\`.`,
      { plugin: source.name },
    );
  }
}

function isOutside(input: string, dir: string): boolean {
  // Inputs in a namespace of esbuild's own (`<stdin>`, `(disabled):x`) are not files of anybody's.
  if (input.startsWith('<') || /^\(?[a-z-]+\)?:/.test(input)) return false;
  const abs = resolve(input);
  if (abs.split(sep).includes('node_modules')) return false;
  const rel = relative(dir, abs);
  return rel.startsWith('..') || resolve(dir, rel) !== abs;
}

async function bundleError(source: PluginSource, error: unknown): Promise<BuildError> {
  const failure = error as Partial<esbuild.BuildFailure>;
  const errors = Array.isArray(failure.errors) ? failure.errors : [];
  if (errors.length === 0) {
    return new BuildError(BuildErrorCodes.BUNDLE_FAILED, `plugin "${source.name}" failed to bundle: ${String(error)}`, {
      plugin: source.name,
      cause: error,
    });
  }
  const formatted = (await esbuild.formatMessages(errors, { kind: 'error', color: false })).join('');
  const locations: SourceLocation[] = errors.flatMap((e) =>
    e.location === null
      ? []
      : [{ file: e.location.file, line: e.location.line, column: e.location.column + 1, lineText: e.location.lineText }],
  );
  const first = errors[0]!;
  const where = first.location === null ? '' : `${first.location.file}:${first.location.line}:${first.location.column + 1}: `;
  return new BuildError(
    BuildErrorCodes.BUNDLE_FAILED,
    `plugin "${source.name}" failed to build: ${where}${first.text}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    { plugin: source.name, cause: error, locations, formatted },
  );
}

async function writeArtifacts(outputDir: string, bundles: readonly Bundle[], leaveTemps: boolean): Promise<void> {
  const unwritable = (error: unknown): BuildError =>
    new BuildError(
      BuildErrorCodes.OUTPUT_UNWRITABLE,
      `cannot write to the output directory ${outputDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}). ` +
        `Check that it is a directory the build may write to.`,
      { cause: error },
    );
  try {
    await mkdir(outputDir, { recursive: true });
  } catch (error) {
    throw unwritable(error);
  }
  const staged: Array<{ temp: string; target: string }> = [];
  try {
    for (const bundle of bundles) {
      const target = bundle.built.artifact;
      const temp = join(dirname(target), `.${bundle.built.name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      staged.push({ temp, target });
      await writeFile(temp, bundle.text);
    }
    for (const { temp, target } of staged) await rename(temp, target);
  } catch (error) {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
    throw unwritable(error);
  }
  if (leaveTemps) {
    try {
      for (const bundle of bundles) {
        const dir = join(outputDir, '.hotswap-temp', bundle.built.name);
        await mkdir(dir, { recursive: true });
        for (const [name, text] of Object.entries(bundle.temps)) await writeFile(join(dir, name), text);
      }
    } catch (error) {
      throw unwritable(error);
    }
  }
}
