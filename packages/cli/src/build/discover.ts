import { existsSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isPluginVersion, PLUGIN_NAME_PATTERN } from '@hotswap/core';
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
  if (!existsSync(pluginDir) || !statSync(pluginDir).isDirectory()) {
    throw new BuildError(BuildErrorCodes.NO_PLUGINS, `the plugin directory ${pluginDir} does not exist or is not a directory.`);
  }
  // Every path from here on with its symbolic links resolved, as esbuild reports the files it read.
  const root = realpathSync(resolve(pluginDir));
  // The directory itself when it has an entry (named as the caller named it, link or not), else each subdirectory.
  const candidates = findEntry(root) !== undefined ? [{ name: basename(resolve(pluginDir)), dir: root }] : subdirectories(root, pluginDir);
  const found: PluginSource[] = [];
  for (const { name, dir } of candidates) {
    if (filter.include !== undefined && !filter.include.test(name)) continue;
    if (filter.exclude !== undefined && filter.exclude.test(name)) continue;
    // A subdirectory without an entry is not a plugin (shared assets, say): it is skipped.
    const entry = findEntry(dir);
    if (entry === undefined) continue;
    if (!PLUGIN_NAME_PATTERN.test(name)) {
      throw new BuildError(
        BuildErrorCodes.BAD_NAME,
        `"${name}" is not a valid plugin name: use letters, digits, "_", "-" and ".", not starting with "-" or ".". Rename the directory.`,
        { plugin: name },
      );
    }
    const twin = found.find((other) => other.name.toLowerCase() === name.toLowerCase());
    if (twin !== undefined) {
      throw new BuildError(
        BuildErrorCodes.BAD_NAME,
        `plugins "${twin.name}" and "${name}" differ only in case, and a host compares plugin names without case. Rename one of the directories.`,
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

function subdirectories(root: string, pluginDir: string): Array<{ name: string; dir: string }> {
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
  // A plugin directory may be a symbolic link to one (its name is the link's); it is read where it leads.
  return entries
    .filter((d) => !d.name.startsWith('.') && d.name !== 'node_modules' && (d.isDirectory() || (d.isSymbolicLink() && isDirectory(join(root, d.name)))))
    .map((d) => (d.isSymbolicLink() ? { name: d.name, dir: realpathSync(join(root, d.name)) } : { name: d.name, dir: join(root, d.name) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The entry file of a plugin directory; one that is not a regular file (a FIFO would block the build for good) is refused. */
function findEntry(dir: string): string | undefined {
  for (const name of ENTRY_NAMES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    if (!statSync(path).isFile()) {
      throw new BuildError(BuildErrorCodes.NO_DEFINITION, `${path} is not a regular file, so it cannot be a plugin's entry. Replace it with the entry's source.`, {
        plugin: basename(dir),
      });
    }
    return path;
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
  if (version === undefined) return '0.0.0';
  if (typeof version !== 'string' || !isPluginVersion(version)) {
    throw bad(`has the version ${JSON.stringify(version)}, which is not a semver version such as "1.2.0", so no host would load the plugin`, undefined);
  }
  return version;
}
