export { build, newBuildStamp } from './build.js';
export type { BuildOptions, BuildResult, BuiltPlugin } from './build.js';
export { discoverPlugins, ENTRY_NAMES } from './discover.js';
export type { NameFilter, PluginSource } from './discover.js';
export { parseEsbuildFlags } from './esbuild-flags.js';
export { BuildError, BuildErrorCodes } from './errors.js';
export type { BuildErrorCode, SourceLocation } from './errors.js';
export { ExitCodes, main } from './main.js';
