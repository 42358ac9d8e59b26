import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { LIVE_EXPORT } from '@hotswap/core';
import { bundleWith, type BuildCache, type BundleOptions } from './cache.js';

/** The prefix that marks live functions and live types when none is given (any case). */
export const DEFAULT_LIVE_PREFIX = 'live_';


/** A live function or type found in one module of a plugin. */
export interface LiveName {
  name: string;
  /** The module that exports it, relative to the plugin directory, with `/`. */
  module: string;
}

const SOURCE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;
const SKIP = /\.d\.[cm]?ts$|\.(?:test|spec)\.[cm]?[jt]sx?$/;

/**
 * The exports of every module of the plugin directory, imported by the entry
 * or not (as Go compiles every file of a package), by path relative to the
 * directory with `/`. One esbuild pass, without bundling; with a `cache`,
 * an incremental one, in the context kept for plugin `name`'s scan.
 */
export async function scanExports(pluginDir: string, cache?: BuildCache, name = ''): Promise<Map<string, string[]>> {
  const modules = listModules(pluginDir);
  const exports = new Map<string, string[]>();
  if (modules.length === 0) return exports;
  const options: BundleOptions = {
    entryPoints: modules,
    outbase: pluginDir,
    outdir: join(pluginDir, '.hotswap-scan'),
    bundle: false,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
  };
  // The scan's context is kept apart from the bundle's: a name no plugin can have.
  const result = await bundleWith(cache, `${name}\0exports`, options);
  for (const output of Object.values(result.metafile.outputs)) {
    if (output.entryPoint === undefined) continue;
    exports.set(relative(pluginDir, resolve(output.entryPoint)).split(sep).join('/'), output.exports);
  }
  return exports;
}

/**
 * The exports whose name starts with `prefix` (compared without case): the
 * plugin's live functions and types. When two modules export the same name
 * (a re-export, usually), the first module by path wins.
 */
export function liveNamesOf(exports: ReadonlyMap<string, readonly string[]>, prefix: string): LiveName[] {
  const wanted = prefix.toLowerCase();
  const found = new Map<string, LiveName>();
  for (const module of [...exports.keys()].sort()) {
    for (const name of exports.get(module)!) {
      if (name.toLowerCase().startsWith(wanted) && !found.has(name)) found.set(name, { name, module });
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listModules(path));
    // Regular files only: a FIFO named like a module would block the scan for good.
    else if ((entry.isFile() || (entry.isSymbolicLink() && isRegularFile(path))) && SOURCE.test(entry.name) && !SKIP.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/**
 * The source of an entry that re-exports the plugin's definition and gathers
 * its live names into one object, so the host can reach live functions and
 * types defined in any module.
 */
export function liveEntry(entry: string, names: readonly LiveName[]): string {
  const modules = [...new Set(names.map((n) => n.module))];
  const lines = [`export { default } from ${JSON.stringify(`./${entry}`)};`];
  modules.forEach((m, i) => lines.push(`import * as m${i} from ${JSON.stringify(`./${m}`)};`));
  const fields = names.map((n) => `  ${JSON.stringify(n.name)}: m${modules.indexOf(n.module)}.${n.name},`);
  lines.push(`export const ${LIVE_EXPORT} = {`, ...fields, '};');
  return `${lines.join('\n')}\n`;
}
