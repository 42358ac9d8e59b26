import { builtinModules, createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import { LIVE_EXPORT, type Artifact } from '../artifact.js';
import { describe, ErrorCodes, HotswapError, where } from '../errors.js';
import { validateDefinition, type PluginDefinition } from '../plugin.js';
import { mapErrorStack, registerSourceMap } from './source-map.js';

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
 * Evaluates an artifact's bundle in the host's own realm and returns the
 * plugin definition it default-exports.
 *
 * The bundle is compiled with `vm.compileFunction`, not `import()` or
 * `require()`: neither module cache keeps a reference, so once the host drops
 * the version, its code and data are collected (an `import()` with a
 * cache-busting query keeps every version forever). `require` inside the
 * bundle resolves shared modules to the host's own instances and Node
 * built-ins to Node's; everything else was bundled at build time.
 */
export function evaluateArtifact(artifact: Artifact, shared: SharedModules): Evaluated {
  const { name } = artifact.manifest;
  for (const specifier of artifact.manifest.shared) {
    if (!shared.has(specifier)) {
      throw new HotswapError(
        ErrorCodes.SHARED_MODULE_MISSING,
        `plugin "${name}" imports the shared module "${specifier}", which the host does not provide. ` +
          `Pass it in the swapper's \`shared\` option: shared: { '${specifier}': await import('${specifier}') }.`,
        { plugin: name, stage: 'evaluate' },
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
  const module: { exports: unknown } = { exports: {} };
  const { filename, release } = registerSourceMap(artifact.path, artifact.code);
  const owner = { plugin: name, version: artifact.manifest.version, buildStamp: artifact.manifest.buildStamp };
  try {
    const fn = compileFunction(artifact.code + KEEP_OWNER, PARAMS, { filename }) as (
      this: unknown,
      ...args: unknown[]
    ) => void;
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
  const exports = module.exports as { default?: unknown } | null;
  const definition = exports !== null && typeof exports === 'object' && 'default' in exports ? exports.default : undefined;
  const problem = validateDefinition(definition);
  if (problem !== undefined) {
    release();
    throw new HotswapError(
      ErrorCodes.PLUGIN_INVALID,
      `plugin "${name}" is not a valid plugin: ${problem}.`,
      { plugin: name, stage: 'evaluate' },
    );
  }
  const live = (exports as Record<string, unknown>)[LIVE_EXPORT];
  return {
    definition: definition as PluginDefinition,
    owner,
    live: typeof live === 'object' && live !== null ? { ...(live as Record<string, unknown>) } : {},
    releaseSourceMap: release,
  };
}
