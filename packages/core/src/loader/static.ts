import type { Artifact, Manifest } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import { CORE_VERSION } from '../meta.js';
import { validateDefinition } from '../plugin.js';
import type { Compiled, Evaluated } from './evaluate.js';

/**
 * A plugin compiled into the host (Go's static plugins). `hotswap build
 * --static-linking` writes a table of these for the host to import and pass
 * as the swapper's `staticPlugins`.
 */
export interface StaticPlugin {
  name: string;
  version: string;
  /** The plugin's default export (checked when loaded, like an artifact's). */
  definition: object;
  /** Its live functions and types, by name. */
  live?: Readonly<Record<string, unknown>>;
}

/** An artifact on disk or a static plugin, ready to be evaluated by a reload. */
export interface Loadable {
  manifest: Manifest;
  digest: string;
  path: string;
  /** Compiles the plugin's code; running the result evaluates it. */
  compile(shared: ReadonlyMap<string, unknown>): Compiled;
}

/** A loadable for an artifact read from disk. */
export function fromArtifact(artifact: Artifact, compile: (artifact: Artifact, shared: ReadonlyMap<string, unknown>) => Compiled): Loadable {
  return { manifest: artifact.manifest, digest: artifact.digest, path: artifact.path, compile: (shared) => compile(artifact, shared) };
}

/** A loadable for a static plugin: its code is the host's own, so evaluating it only checks it. */
export function fromStatic(plugin: StaticPlugin): Loadable {
  const manifest: Manifest = {
    format: 1,
    name: plugin.name,
    version: plugin.version,
    hash: 'static',
    core: CORE_VERSION,
    shared: [],
    buildStamp: 'static',
    builtAt: '',
    entry: '',
    live: Object.keys(plugin.live ?? {}),
  };
  return {
    manifest,
    digest: `static:${plugin.name}`,
    path: `static:${plugin.name}`,
    compile: () => ({ release: () => {}, run: () => evaluateStatic(plugin) }),
  };
}

function evaluateStatic(plugin: StaticPlugin): Evaluated {
  const problem = validateDefinition(plugin.definition);
  if (problem !== undefined) {
    throw new HotswapError(ErrorCodes.PLUGIN_INVALID, `static plugin "${plugin.name}" is not a valid plugin: ${problem}.`, {
      plugin: plugin.name,
      stage: 'evaluate',
    });
  }
  // Static code lives as long as the host: the definition is as good an owner as any.
  return {
    definition: plugin.definition,
    owner: plugin.definition,
    live: { ...plugin.live },
    releaseSourceMap: () => {},
  };
}
