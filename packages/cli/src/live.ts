import { readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { LIVE_EXPORT } from '@hotswap/core';
import * as esbuild from 'esbuild';

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
 * Finds every export whose name starts with `prefix` (compared without case)
 * in any module of the plugin directory, imported by the entry or not, as Go
 * compiles every file of a package. When two modules export the same name (a
 * re-export, usually), the first module by path wins.
 */
export async function findLiveNames(pluginDir: string, prefix: string): Promise<LiveName[]> {
  const modules = listModules(pluginDir);
  if (modules.length === 0) return [];
  const result = await esbuild.build({
    entryPoints: modules,
    outbase: pluginDir,
    outdir: join(pluginDir, '.hotswap-live-scan'),
    bundle: false,
    format: 'esm',
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const wanted = prefix.toLowerCase();
  const found = new Map<string, LiveName>();
  const outputs = Object.values(result.metafile.outputs)
    .filter((o) => o.entryPoint !== undefined)
    .sort((a, b) => (a.entryPoint! < b.entryPoint! ? -1 : 1));
  for (const output of outputs) {
    const module = relative(pluginDir, resolve(output.entryPoint!)).split(sep).join('/');
    for (const name of output.exports) {
      if (name.toLowerCase().startsWith(wanted) && !found.has(name)) found.set(name, { name, module });
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listModules(path));
    else if (SOURCE.test(entry.name) && !SKIP.test(entry.name)) out.push(path);
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
