import { builtinModules, createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import { LIVE_EXPORT, type Artifact } from '../artifact.js';
import { describe, ErrorCodes, HotswapError, where } from '../errors.js';
import { validateDefinition, type PluginDefinition } from '../plugin.js';
import { mapErrorStack, sharedSourceMap } from './source-map.js';

const nodeRequire = createRequire(import.meta.url);
const builtins = new Set(builtinModules);

const OWNER = '__hotswapOwner';
const PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', OWNER];
// A closure that names the owner makes V8 keep it in the bundle's top-level
// scope, which every function of the plugin holds on to: the owner is then
// collected exactly when the last of the version's code and data is.
const KEEP_OWNER = `\n;(() => ${OWNER});\n`;

/** Modules the host hands to its plugins, by the specifier the plugins import. */
export type SharedModules = ReadonlyMap<string, unknown>;

/** An evaluated bundle: the plugin it defines, and how to drop its source map once the version is gone. */
export interface Evaluated {
  definition: PluginDefinition;
  /** An object that lives exactly as long as anything of this version does: watch it to see the version collected. */
  owner: object;
  /** The plugin's live functions and types by name, from every module that defines one. */
  live: Record<string, unknown>;
  releaseSourceMap: () => void;
}

/**
 * A bundle compiled and ready to run. `run()` runs its top-level code (the
 * only part that runs plugin code, so the caller can bound it) and returns
 * what it defines, holding the bundle's source map until the version is
 * gone; `release()` drops what a run that never came lets go.
 */
export interface Compiled {
  run(): Evaluated;
  release(): void;
}

/**
 * Compiles an artifact's bundle in the host's own realm; running it
 * evaluates the plugin definition it default-exports.
 *
 * The bundle is compiled with `vm.compileFunction`, not `import()` or
 * `require()`: neither module cache keeps a reference, so once the host drops
 * the version, its code and data are collected (an `import()` with a
 * cache-busting query keeps every version forever). `require` inside the
 * bundle resolves shared modules to the host's own instances and Node
 * built-ins to Node's; everything else was bundled at build time.
 */
export function compileArtifact(artifact: Artifact, shared: SharedModules): Compiled {
  const { name } = artifact.manifest;
  for (const specifier of artifact.manifest.shared) {
    if (!shared.has(specifier)) {
      throw new HotswapError(
        ErrorCodes.SHARED_MODULE_MISSING,
        `plugin "${name}" imports the shared module "${specifier}", which the host does not provide. ` +
          `Pass it in the swapper's \`shared\` option: shared: { '${specifier}': await import('${specifier}') }.`,
        { plugin: name, stage: 'evaluate', specifier },
      );
    }
  }
  const pluginRequire = (specifier: string): unknown => {
    if (shared.has(specifier)) return shared.get(specifier);
    const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (builtins.has(bare)) return nodeRequire(specifier);
    throw new Error(
      `plugin "${name}" requires "${specifier}", which is neither a shared module nor a Node built-in. ` +
        `Bundle it (remove it from --shared) or add it to the swapper's shared modules.`,
    );
  };
  const { fn, acquire } = compiledBundle(artifact);
  return {
    release: () => {},
    run: () => {
      const module: { exports: unknown } = { exports: {} };
      const owner = { plugin: name, version: artifact.manifest.version, buildStamp: artifact.manifest.buildStamp };
      const release = acquire();
      try {
        fn.call(module.exports, module.exports, pluginRequire, module, artifact.path, dirname(artifact.path), owner);
      } catch (error) {
        const at = mapErrorStack(error);
        release();
        throw new HotswapError(
          ErrorCodes.EVALUATE_FAILED,
          `plugin "${name}" threw while its top-level code ran: ${describe(error)}${where(at)}`,
          { plugin: name, stage: 'evaluate', cause: error },
        );
      }
      return defined(name, module.exports, owner, release);
    },
  };
}

type BundleFunction = (this: unknown, ...args: unknown[]) => void;
interface Bundle {
  fn: BundleFunction;
  acquire: () => () => void;
}

/**
 * The compiled bundle of each artifact read, kept as long as the artifact
 * object is (the scan keeps it while the file is unchanged). Every run of the
 * function is a fresh evaluation with its own top-level scope, so a version
 * re-linked from an unchanged artifact is evaluated afresh without being
 * parsed and compiled again, and shares its functions' JIT feedback with the
 * versions before it.
 */
const bundles = new WeakMap<Artifact, Bundle>();

function compiledBundle(artifact: Artifact): Bundle {
  const known = bundles.get(artifact);
  if (known !== undefined) return known;
  const map = sharedSourceMap(artifact.path, artifact.code);
  let fn: BundleFunction;
  try {
    fn = compileFunction(artifact.code + KEEP_OWNER, PARAMS, { filename: map.filename }) as BundleFunction;
  } catch (error) {
    const { name } = artifact.manifest;
    throw new HotswapError(ErrorCodes.EVALUATE_FAILED, `plugin "${name}" does not compile: ${describe(error)}`, {
      plugin: name,
      stage: 'evaluate',
      cause: error,
    });
  }
  const bundle = { fn, acquire: map.acquire };
  bundles.set(artifact, bundle);
  return bundle;
}

function defined(name: string, moduleExports: unknown, owner: object, release: () => void): Evaluated {
  let definition: unknown;
  let live: unknown;
  try {
    const exports = moduleExports as Record<string, unknown> | null;
    definition = exports !== null && typeof exports === 'object' && 'default' in exports ? exports['default'] : undefined;
    live = exports?.[LIVE_EXPORT];
  } catch (error) {
    release();
    throw new HotswapError(ErrorCodes.PLUGIN_INVALID, `plugin "${name}" is not a valid plugin: reading its exports threw: ${describe(error)}.`, {
      plugin: name,
      stage: 'evaluate',
      cause: error,
    });
  }
  let problem: string | undefined;
  try {
    // Reading the definition may run the plugin's getters and proxy traps.
    problem = validateDefinition(definition);
  } catch (error) {
    const at = mapErrorStack(error);
    release();
    throw new HotswapError(ErrorCodes.PLUGIN_INVALID, `plugin "${name}" is not a valid plugin: reading its definition threw: ${describe(error)}${where(at)}.`, {
      plugin: name,
      stage: 'evaluate',
      cause: error,
    });
  }
  if (problem !== undefined) {
    release();
    throw new HotswapError(ErrorCodes.PLUGIN_INVALID, `plugin "${name}" is not a valid plugin: ${problem}.`, {
      plugin: name,
      stage: 'evaluate',
    });
  }
  return {
    definition: definition as PluginDefinition,
    owner,
    live: typeof live === 'object' && live !== null ? { ...(live as Record<string, unknown>) } : {},
    releaseSourceMap: release,
  };
}
