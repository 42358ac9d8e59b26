import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ARTIFACT_SUFFIX, decodeArtifact, isCoreCompatible, verifySignature, type Artifact } from '../artifact.js';
import { compareNames } from '../names.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import { CORE_VERSION } from '../meta.js';
import { checkArtifactFile, checkMaxArtifactBytes, readArtifactFile, readArtifactFileSync } from './file-checks.js';
import { applyWhitelist, checkDuplicates, checkNotEmpty, checkWhitelistFound, whitelistSet, type PluginSource } from './select.js';
import { checkLinkTarget, checkOwnerAndMode } from './trust.js';

export { checkMaxArtifactBytes, DEFAULT_MAX_ARTIFACT_BYTES } from './file-checks.js';

/**
 * Reads every artifact in a plugin directory, checks each, and applies the
 * whitelist. The result is sorted by plugin name. Throws a typed error for a
 * directory that is missing, unreadable, empty or insecure, for an entry that
 * is not a regular file or is too large (refused before it is opened), for an
 * artifact that fails its checks, for two artifacts of one name
 * (case-insensitive), and for a whitelisted name with no artifact.
 */
export async function scanPluginDir(
  dir: string,
  whitelist?: readonly string[],
  options: ScanOptions = {},
  cache?: ScanCache,
): Promise<Artifact[]> {
  const maxBytes = checkMaxArtifactBytes(options.maxArtifactBytes);
  const strict = options.allowInsecureDir !== true;
  const source: PluginSource = { kind: 'dir', dir };
  const { info: dirInfo, names } = listArtifacts(dir);
  if (strict) checkOwnerAndMode(dir, dirInfo, 'directory');
  // The whitelist is applied to file names first, so an artifact it leaves out is never read; an artifact must be
  // named after its plugin (checked below), so duplicates and missing names show in the file names already.
  const files = applyWhitelist(names, whitelist, stem);
  checkDuplicates(files, stem, source, (f) => join(dir, f));
  checkWhitelistFound(files.map(stem), whitelist, source);
  checkNotEmpty(files.length, source, whitelistSet(whitelist) !== undefined);
  // Resolved once, for the links among the artifacts; a plugin directory that is itself a link is fine.
  const realDir = strict ? fsCallSync(dir, () => realpathSync(dir)) : undefined;
  // By inode, size and modification time (the identity without its ctime), for a release's hard links.
  const inodes =
    options.sharedInodes === true ? new Map([...(cache?.values() ?? [])].map((e) => [e.identity.slice(0, e.identity.lastIndexOf(':') + 1), e.artifact])) : undefined;
  const fileOptions = { ...options, maxBytes, realDir, inodes, uid: process.getuid?.() };
  // The directory as `join` writes it, with its separator: each file's path is that and its name (a name from
  // readdir has no separator in it), not a `join` of each, which a thousand plugins pay at every reload.
  const prefix = join(dir, '_').slice(0, -1);
  const paths = files.map((file) => prefix + file);
  // Every file's metadata first, synchronously; then the files that changed are read: a few (an edit) at once,
  // synchronously, more (a first load, a new release) through the thread pool, some at a time.
  const steps = paths.map((path, i) => settle(() => checkFile(path, files[i]!, fileOptions, cache)));
  const reads = steps.filter((step): step is { value: Pending } => 'value' in step && 'target' in step.value);
  const sync = reads.length <= SYNC_READS;
  const artifacts = await inOrder(steps, async (step) => {
    if ('error' in step) throw step.error;
    const checked = step.value;
    if (!('target' in checked)) return checked.artifact;
    const file = sync
      ? fsCallSync(checked.path, () => readArtifactFileSync(checked.target, maxBytes))
      : await fsCall(checked.path, () => readArtifactFile(checked.target, maxBytes));
    return finish(checked, file, fileOptions, cache);
  });
  const seen = new Set(paths);
  for (const path of cache?.keys() ?? []) if (!seen.has(path)) cache?.delete(path);
  return artifacts.sort((a, b) => compareNames(a.manifest.name, b.manifest.name));
}

/** Files checked at once: a thousand plugins cost a thousand file system calls, which wait on each other for nothing. */
const SCAN_CONCURRENCY = 16;

/**
 * `each` over `items`, up to {@link SCAN_CONCURRENCY} at a time; the results
 * in order, or the error of the first item (in order) that failed, as a scan
 * one file after the other would have thrown.
 */
async function inOrder<I, R>(items: readonly I[], each: (item: I, index: number) => Promise<R>): Promise<R[]> {
  const settled: Array<PromiseSettledResult<R>> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        settled[i] = { status: 'fulfilled', value: await each(items[i]!, i) };
      } catch (reason) {
        settled[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, items.length) }, worker));
  return items.map((_, i) => {
    const r = settled[i]!;
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

/** Artifacts already read and checked, by path, with the file identity they were read at. */
export type ScanCache = Map<string, { identity: string; artifact: Artifact }>;

/**
 * What a scan trusts and accepts: artifacts signed by the private key of
 * `publicKey`; a directory others can write to (`allowInsecureDir`); files of
 * at most `maxArtifactBytes` bytes (default 64 MiB).
 */
export interface ScanOptions {
  /** Load only artifacts signed with the matching private key. */
  publicKey?: KeyObject | undefined;
  /** Skip the owner, mode and symbolic link checks of the directory and its artifacts. */
  allowInsecureDir?: boolean | undefined;
  /** The largest artifact, in bytes, that the scan reads; a larger one is refused unread. */
  maxArtifactBytes?: number | undefined;
  /**
   * The directory is a release, whose artifacts are hard links into one store:
   * an artifact already read under another path with the same inode, size and
   * modification time is not read again (a new link changes an inode's ctime,
   * so the path cache alone would miss). Its digest is still checked against
   * the release manifest.
   */
  sharedInodes?: boolean | undefined;
}


/** What a scan of one file uses besides the file: the scan's options and what it resolved once. */
type FileOptions = ScanOptions & {
  maxBytes: number;
  /** The resolved plugin directory; undefined when insecure ones are allowed. */
  realDir: string | undefined;
  /** Artifacts of the cache by inode, size and modification time, with `sharedInodes`. */
  inodes: ReadonlyMap<string, Artifact> | undefined;
  /** The host's user, for the owner checks. */
  uid: number | undefined;
};

/** A file checked before opening it, which must be read: the path it is listed at, and the file it is. */
interface Pending {
  path: string;
  file: string;
  target: string;
}

/** The most changed files a scan reads synchronously; with more, it reads through the thread pool. */
const SYNC_READS = 4;

/**
 * Checks one artifact file before opening it: an artifact the cache (or,
 * for a release, another path of the same inode) already has, or the file
 * to read.
 */
function checkFile(path: string, file: string, options: FileOptions, cache: ScanCache | undefined): { artifact: Artifact } | Pending {
  // The metadata, synchronously: a stat answers from the inode cache in a few microseconds and never blocks on
  // what the file is (a FIFO is refused below, unopened), where a thousand asynchronous ones would each wait for a
  // thread of the pool.
  let info = fsCallSync(path, () => lstatSync(path));
  let target = path;
  if (info.isSymbolicLink()) {
    target = linkTarget(path);
    if (options.realDir !== undefined) checkLinkTarget(path, target, options.realDir);
    info = fsCallSync(path, () => statSync(target));
  }
  checkArtifactFile(path, info, options.maxBytes);
  if (options.realDir !== undefined) checkOwnerAndMode(path, info, 'artifact', options.uid);
  // A file with the same inode, size and times as at the last scan is not read and hashed again.
  const cached = cache?.get(path);
  const known = identity(info);
  // Checked below when it was first read, and nothing it was checked against has changed since.
  if (cached !== undefined && cached.identity === known) return { artifact: cached.artifact };
  const linked = cached === undefined ? options.inodes?.get(inodeOf(info)) : undefined;
  if (linked === undefined) return { path, file, target };
  const artifact = { ...linked, path };
  return { artifact: accept(artifact, file, { identity: known, artifact }, cache) };
}

/** Checks what a file read holds; the artifact it is. */
function finish(pending: Pending, read: { text: string; info: Stats }, options: FileOptions, cache: ScanCache | undefined): Artifact {
  const { path } = pending;
  // The descriptor's stats are those of the very file read, whatever happened to the path since the checks above.
  if (options.realDir !== undefined) checkOwnerAndMode(path, read.info, 'artifact', options.uid);
  const artifact = decodeArtifact(read.text, path);
  if (options.publicKey !== undefined) verifySignature(artifact, options.publicKey);
  return accept(artifact, pending.file, { identity: identity(read.info), artifact }, cache);
}

/** Checks an artifact's name and core against its file and the host, and keeps it in the cache. */
function accept(artifact: Artifact, file: string, read: { identity: string; artifact: Artifact }, cache: ScanCache | undefined): Artifact {
  const { path } = artifact;
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
  // Kept only once it passed every check, so a file refused once is refused again until it changes.
  cache?.set(path, read);
  return artifact;
}

/** What `call` returns, or what it threw. */
function settle<T>(call: () => T): { value: T } | { error: unknown } {
  try {
    return { value: call() };
  } catch (error) {
    return { error };
  }
}

/** The identity of a file without its ctime: its inode, size and modification time. */
function inodeOf(info: Stats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:`;
}

function identity(info: Stats): string {
  return `${inodeOf(info)}${info.ctimeMs}`;
}

/** The plugin name a file name stands for: `world` for `world.hotswap.js`. */
function stem(file: string): string {
  return file.slice(0, -ARTIFACT_SUFFIX.length);
}

function listArtifacts(dir: string): { info: Stats; names: string[] } {
  try {
    const info = statSync(dir);
    if (!info.isDirectory()) {
      throw new HotswapError(ErrorCodes.PLUGIN_DIR_MISSING, `the plugin directory ${dir} is not a directory.`, {
        stage: 'scan',
      });
    }
    const names = readdirSync(dir);
    return { info, names: names.filter((n) => n.endsWith(ARTIFACT_SUFFIX)).sort() };
  } catch (error) {
    throw dirError(dir, error);
  }
}

/** Runs a file system call on `path`, turning a missing or unreadable file into its typed error. */
async function fsCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw dirError(path, error);
  }
}

/** {@link fsCall}, for a synchronous call. */
function fsCallSync<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw dirError(path, error);
  }
}

/** Where an artifact that is a symbolic link leads; a link that leads nowhere, or round in a loop, is refused by name. */
function linkTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ELOOP') throw dirError(path, error);
    let to = '?';
    try {
      to = readlinkSync(path);
    } catch {
      // Gone meanwhile: the message says what the scan saw.
    }
    throw new HotswapError(
      ErrorCodes.ARTIFACT_NOT_A_FILE,
      `${path} is a symbolic link to ${to}, ${code === 'ELOOP' ? 'which leads round in a loop' : 'which does not exist'}, so it cannot be an artifact. ` +
        'Point it at an artifact, or remove it.',
      { stage: 'scan', cause: error },
    );
  }
}

function dirError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') {
    return new HotswapError(
      ErrorCodes.PLUGIN_DIR_MISSING,
      `${path} cannot be reached: a symbolic link on the way to it leads round in a loop (ELOOP). Fix the link, or check the swapper's pluginDir.`,
      { stage: 'scan', cause: error },
    );
  }
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
