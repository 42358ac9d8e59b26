import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, ErrorCodes, HotswapError } from '../errors.js';
import { describeKind } from '../loader/file-checks.js';
import { CURRENT_LINK, invalidRelease, parseReleaseManifest, RELEASE_MANIFEST, RELEASES_DIR, type ReleaseManifest } from './manifest.js';

/** One concrete release: its id, its directory (a resolved path, no links in it) and its manifest. */
export interface ResolvedRelease {
  /** The release id, the name of its directory. */
  id: string;
  /** The release directory, resolved: every artifact of the release is read from here. */
  dir: string;
  /** Its `release.json`, parsed and checked. */
  manifest: ReleaseManifest;
  /** The release root it was found through, when `dir` was given as one. */
  root?: string;
}

/**
 * Resolves a directory to the one release it stands for, once: a release
 * root (`<root>`, whose `current` link names the active release), the
 * `current` link itself, or a release directory (`<root>/releases/<id>`).
 * The link is read a single time, so whatever is activated afterwards, the
 * result names one release, and reading every artifact from `dir` reads
 * that release only. Resolves `undefined` for a plain plugin directory (no
 * `current` link, no `release.json`) or one that does not exist. Throws
 * `HOTSWAP_RELEASE_NOT_ACTIVE` for a root with releases but no `current`
 * link, and `HOTSWAP_RELEASE_INVALID` for a link or manifest that does not
 * name a valid release.
 *
 * @example
 * const release = await resolveRelease('/srv/app/plugins')
 * if (release !== undefined) swapper.resetPluginDir(release.dir)
 */
export function resolveRelease(dir: string): Promise<ResolvedRelease | undefined> {
  // Synchronous inside: a link, a stat and a small manifest answer from the caches in microseconds, where each trip
  // through libuv's thread pool waits for a thread, and this runs first in every reload, on the path from an edit to serving.
  // What resolveNow throws rejects the promise.
  return new Promise((resolve) => resolve(resolveNow(dir)));
}

function resolveNow(dir: string): ResolvedRelease | undefined {
  const link = join(dir, CURRENT_LINK);
  const linkInfo = present(() => lstatSync(link));
  if (linkInfo?.isSymbolicLink() === true) {
    const target = present(() => realpathSync(link));
    if (target === undefined) throw invalidRelease(link, 'the link points at nothing', 'Activate a release that exists: `hotswap release activate <id>`.');
    const release = readRelease(target);
    if (release === undefined) {
      throw invalidRelease(link, `it points at ${target}, which has no ${RELEASE_MANIFEST}`, 'Activate a release made by `hotswap release create`: `hotswap release activate <id>`.');
    }
    return { ...release, root: dir };
  }
  if (linkInfo === undefined && present(() => lstatSync(join(dir, RELEASES_DIR)))?.isDirectory() === true) {
    throw new HotswapError(
      ErrorCodes.RELEASE_NOT_ACTIVE,
      `${dir} is a release root with no active release: it has no ${CURRENT_LINK} link. Activate one: \`hotswap release activate <id> --root ${dir}\`.`,
      { stage: 'scan' },
    );
  }
  const target = present(() => realpathSync(dir));
  return target === undefined ? undefined : readRelease(target);
}

/** The release in directory `dir` (resolved), or `undefined` when it has no release manifest. */
function readRelease(dir: string): Omit<ResolvedRelease, 'root'> | undefined {
  const path = join(dir, RELEASE_MANIFEST);
  const text = present(() => readManifest(path));
  if (text === undefined) return undefined;
  const manifest = parseReleaseManifest(text, path);
  if (manifest.id !== basename(dir)) {
    throw invalidRelease(path, `its id ${manifest.id} is not the name of its directory, ${basename(dir)}`);
  }
  return { id: manifest.id, dir, manifest };
}

/** The text of a release manifest, opened non-blocking: a FIFO in its place is refused, never waited on. */
function readManifest(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw invalidRelease(path, `it is ${describeKind(info)}, not a regular file`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** What `call` returns, or `undefined` for a path that is not there (or has a file where a directory should be); any other error as it is. */
function present<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') {
      throw new HotswapError(
        ErrorCodes.PLUGIN_DIR_MISSING,
        `a symbolic link on the way to the plugin directory leads round in a loop (ELOOP: ${describe(error)}). Fix the link, or check the swapper's pluginDir.`,
        { stage: 'scan', cause: error },
      );
    }
    throw error;
  }
}
