import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PLUGIN_NAME_PATTERN } from '@hotswap/core';
import { BuildError, BuildErrorCodes } from '../errors.js';

/** The file names a plugin's entry may have, in the order they are looked for. */
export const ENTRY_NAMES = ['index.ts', 'index.mts', 'index.tsx', 'index.js', 'index.mjs'];

/** A plugin found on disk, ready to bundle. */
export interface PluginSource {
  name: string;
  version: string;
  dir: string;
  entry: string;
}

/** Filters on plugin names, as regular expressions (Go's `--include` and `--exclude`). */
export interface NameFilter {
  include?: RegExp | undefined;
  exclude?: RegExp | undefined;
}

/**
 * Finds the plugins under `pluginDir`: the directory itself when it has an
 * entry file, otherwise each subdirectory that has one. Names are directory
 * names; versions come from a package.json beside the entry.
 */
export function discoverPlugins(pluginDir: string, filter: NameFilter = {}): PluginSource[] {
  const root = resolve(pluginDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new BuildError(BuildErrorCodes.NO_PLUGINS, `the plugin directory ${pluginDir} does not exist or is not a directory.`);
  }
  const candidates = findEntry(root) !== undefined ? [root] : subdirectories(root, pluginDir);
  const found: PluginSource[] = [];
  for (const dir of candidates) {
    const name = basename(dir);
    if (filter.include !== undefined && !filter.include.test(name)) continue;
    if (filter.exclude !== undefined && filter.exclude.test(name)) continue;
    // A subdirectory without an entry is not a plugin (shared assets, say): it is skipped.
    const entry = findEntry(dir);
    if (entry === undefined) continue;
    if (!PLUGIN_NAME_PATTERN.test(name)) {
      throw new BuildError(
        BuildErrorCodes.BAD_NAME,
        `"${name}" is not a valid plugin name: use letters, digits, "_", "-" and ".". Rename the directory.`,
        { plugin: name },
      );
    }
    found.push({ name, version: readVersion(dir), dir, entry });
  }
  if (found.length === 0) {
    throw new BuildError(
      BuildErrorCodes.NO_PLUGINS,
      `no plugin found in ${pluginDir}${filter.include || filter.exclude ? ' that --include/--exclude allow' : ''}: ` +
        `a plugin is a directory with an entry file (${ENTRY_NAMES.join(', ')}).`,
    );
  }
  return found;
}

function subdirectories(root: string, pluginDir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch (error) {
    throw new BuildError(
      BuildErrorCodes.NO_PLUGINS,
      `cannot read the plugin directory ${pluginDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check that the build may read it.`,
      { cause: error },
    );
  }
  return entries
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
    .map((d) => join(root, d.name))
    .sort();
}

function findEntry(dir: string): string | undefined {
  for (const name of ENTRY_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function readVersion(dir: string): string {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return '0.0.0';
  const bad = (why: string, cause: unknown): BuildError =>
    new BuildError(BuildErrorCodes.BAD_PACKAGE_JSON, `${path} ${why}. Fix it; the plugin's version is read from it.`, { plugin: basename(dir), cause });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw bad(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (error) {
    throw bad(`is not valid JSON: ${(error as Error).message}`, error);
  }
  const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  return typeof version === 'string' && version !== '' ? version : '0.0.0';
}
