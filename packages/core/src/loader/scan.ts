import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ARTIFACT_SUFFIX, decodeArtifact, isCoreCompatible, verifySignature, type Artifact } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import { CORE_VERSION } from '../meta.js';

/**
 * Reads every artifact in a plugin directory, checks each, and applies the
 * whitelist. The result is sorted by plugin name. Throws a typed error for a
 * directory that is missing, unreadable or empty, for an artifact that fails
 * its checks, for two artifacts of one name (case-insensitive), and for a
 * whitelisted name with no artifact.
 */
export async function scanPluginDir(
  dir: string,
  whitelist?: readonly string[],
  trust: Trust = {},
  cache?: ScanCache,
): Promise<Artifact[]> {
  // An empty whitelist is no whitelist, as in Go.
  const wanted = whitelist === undefined || whitelist.length === 0 ? undefined : new Set(whitelist.map((n) => n.toLowerCase()));
  // The whitelist is applied to file names first, so an artifact it leaves out is never read.
  const files = (await listArtifacts(dir)).filter((f) => wanted === undefined || wanted.has(f.slice(0, -ARTIFACT_SUFFIX.length).toLowerCase()));
  const infos = await Promise.all(files.map((f) => statFile(join(dir, f))));
  if (trust.allowInsecureDir !== true) await refuseInsecure(dir, files, infos);
  const byName = new Map<string, Artifact>();
  const seen = new Set<string>();
  for (const [i, file] of files.entries()) {
    const path = join(dir, file);
    seen.add(path);
    // A file with the same inode, size and times as at the last scan is not read and hashed again.
    const info = infos[i]!;
    const identity = `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
    const cached = cache?.get(path);
    let artifact: Artifact;
    if (cached !== undefined && cached.identity === identity) {
      artifact = cached.artifact;
    } else {
      artifact = decodeArtifact(await readText(path), path);
      if (trust.publicKey !== undefined) verifySignature(artifact, trust.publicKey);
      cache?.set(path, { identity, artifact });
    }
    const { name, core } = artifact.manifest;
    if (`${name}${ARTIFACT_SUFFIX}` !== file) {
      throw new HotswapError(
        ErrorCodes.ARTIFACT_INVALID,
        `${path} holds plugin "${name}", but an artifact must be named after its plugin: ${name}${ARTIFACT_SUFFIX}. Rename it, or rebuild.`,
        { plugin: name, stage: 'verify' },
      );
    }
    if (!isCoreCompatible(core, CORE_VERSION)) {
      throw new HotswapError(
        ErrorCodes.ARTIFACT_INCOMPATIBLE,
        `${path} was built against @hotswap/core ${core}, which this host's core ${CORE_VERSION} cannot run. ` +
          `Rebuild the plugin with the hotswap CLI that matches the host.`,
        { plugin: name, stage: 'verify', built: core, core: CORE_VERSION },
      );
    }
    const key = name.toLowerCase();
    const other = byName.get(key);
    if (other !== undefined) {
      throw new HotswapError(
        ErrorCodes.DUPLICATE_PLUGIN,
        `two artifacts name the plugin "${other.manifest.name}"${other.manifest.name === name ? '' : ` and "${name}"`} ` +
          `(names are compared without case): ${other.path} and ${path}. Remove one of them.`,
        { plugin: name, stage: 'scan', names: [other.path, path] },
      );
    }
    byName.set(key, artifact);
  }
  for (const path of cache?.keys() ?? []) if (!seen.has(path)) cache?.delete(path);
  if (wanted !== undefined) {
    for (const name of new Set(whitelist)) {
      if (!byName.has(name.toLowerCase())) {
        throw new HotswapError(
          ErrorCodes.WHITELIST_MISSING,
          `the whitelist names plugin "${name}" but ${dir} has no artifact for it. Build it, or remove it from the whitelist.`,
          { plugin: name, stage: 'scan' },
        );
      }
    }
  }
  if (byName.size === 0) {
    throw new HotswapError(
      ErrorCodes.PLUGIN_DIR_EMPTY,
      `${dir} holds no plugin artifact (*${ARTIFACT_SUFFIX})${wanted === undefined ? '' : ' that the whitelist allows'}. ` +
        `Build plugins into it with \`hotswap build <pluginDir> ${dir}\`.`,
      { stage: 'scan' },
    );
  }
  return [...byName.values()].sort((a, b) => compareNames(a.manifest.name, b.manifest.name));
}

/** Artifacts already read and checked, by path, with the file identity they were read at. */
export type ScanCache = Map<string, { identity: string; artifact: Artifact }>;

/** What a host trusts: artifacts signed by the private key of `publicKey`; a directory others can write to. */
export interface Trust {
  publicKey?: KeyObject | undefined;
  allowInsecureDir?: boolean | undefined;
}

/**
 * Refuses a plugin directory, or an artifact in it, that any user may write
 * to: whoever can write there can run code in the host. Not checked on Windows.
 */
async function refuseInsecure(dir: string, files: readonly string[], infos: readonly Stats[]): Promise<void> {
  if (process.platform === 'win32') return;
  const checks: Array<[string, Stats]> = [[dir, await stat(dir)], ...files.map((f, i): [string, Stats] => [join(dir, f), infos[i]!])];
  for (const [path, info] of checks) {
    if ((info.mode & 0o002) !== 0) {
      throw new HotswapError(
        ErrorCodes.PLUGIN_DIR_INSECURE,
        `${path} is writable by every user, so anyone could run code in this host. ` +
          `Make it writable by its owner only (chmod o-w), or set the swapper's allowInsecurePluginDir option if that is really meant.`,
        { stage: 'scan' },
      );
    }
  }
}

/** Orders plugin names case-insensitively, then by code point, so the order never depends on the file system. */
export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

async function listArtifacts(dir: string): Promise<string[]> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      throw new HotswapError(ErrorCodes.PLUGIN_DIR_MISSING, `the plugin directory ${dir} is not a directory.`, {
        stage: 'scan',
      });
    }
    const names = await readdir(dir);
    return names.filter((n) => n.endsWith(ARTIFACT_SUFFIX)).sort();
  } catch (error) {
    throw dirError(dir, error);
  }
}

async function statFile(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw dirError(path, error);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw dirError(path, error);
  }
}

function dirError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new HotswapError(
      ErrorCodes.PLUGIN_DIR_MISSING,
      `${path} does not exist. Check the swapper's pluginDir, or build plugins into it first.`,
      { stage: 'scan', cause: error },
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new HotswapError(
      ErrorCodes.PLUGIN_DIR_UNREADABLE,
      `${path} cannot be read (${code}). Give the host's user read access to it.`,
      { stage: 'scan', cause: error },
    );
  }
  return error;
}
