import { randomBytes, type KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { CORE_MODULE, type Manifest } from '@hotswap/core';
import type { BuildOptions as EsbuildOptions } from 'esbuild';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { BuildCache } from './cache.js';
import type { NameFilter } from './discover.js';
import { parseEsbuildFlags } from './esbuild-flags.js';
import { DEFAULT_LIVE_PREFIX } from './live.js';
import { signer, type Signer } from './package.js';

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
  /** Milliseconds spent analysing, bundling and packaging this plugin. */
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

/** {@link BuildOptions} checked and with every default filled in: what the stages after it read. */
export interface BuildSettings {
  pluginDir: string;
  outputDir: string;
  filter: NameFilter;
  /** `@hotswap/core` and every `shared` specifier, once each. */
  shared: string[];
  /** The esbuild options the bundler flags ask for. */
  extra: EsbuildOptions;
  buildStamp: string;
  livePrefix: string;
  debug: boolean;
  write: boolean;
  leaveTemps: boolean;
  staticLinking: boolean;
  cache: BuildCache | undefined;
  sign: Signer | undefined;
}

/**
 * Checks the options and fills in the defaults. Throws `HOTSWAP_BUILD_BAD_FLAG`
 * for a refused bundler flag and `HOTSWAP_BUILD_BAD_OPTION` for an invalid
 * live prefix or signing key, before anything is bundled.
 */
export function resolveOptions(options: BuildOptions): BuildSettings {
  const livePrefix = options.livePrefix ?? DEFAULT_LIVE_PREFIX;
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(livePrefix)) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `the live prefix ${JSON.stringify(livePrefix)} is not the start of an identifier.`);
  }
  if (options.buildStamp !== undefined && !BUILD_STAMP.test(options.buildStamp)) {
    throw new BuildError(
      BuildErrorCodes.BAD_OPTION,
      `the build stamp ${JSON.stringify(options.buildStamp)} is not up to 128 letters, digits, ".", "_" and "-" starting with a letter or a digit: ` +
        'it names the build in every artifact, log line and release made from it (an empty one, no host loads). Leave it out for a new one.',
    );
  }
  return {
    pluginDir: options.pluginDir,
    outputDir: resolve(options.outputDir),
    filter: { include: options.include, exclude: options.exclude },
    shared: [...new Set([CORE_MODULE, ...(options.shared ?? [])])],
    extra: parseEsbuildFlags(options.bundlerFlags ?? []),
    buildStamp: options.buildStamp ?? newBuildStamp(),
    livePrefix,
    debug: options.debug === true,
    write: options.write !== false,
    leaveTemps: options.leaveTemps === true,
    staticLinking: options.staticLinking === true,
    cache: options.cache,
    sign: signer(options.signingKey),
  };
}

/** What a build stamp may be: what {@link newBuildStamp} makes, and names like it. */
const BUILD_STAMP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A new build stamp: the UTC time to the second and six random hex digits. */
export function newBuildStamp(): string {
  const time = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${time}-${randomBytes(3).toString('hex')}`;
}
