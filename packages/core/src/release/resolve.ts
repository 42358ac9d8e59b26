import { lstat, readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ErrorCodes, HotswapError } from '../errors.js';
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
export async function resolveRelease(dir: string): Promise<ResolvedRelease | undefined> {
  const link = join(dir, CURRENT_LINK);
  const linkInfo = await lstat(link).catch(missing);
  if (linkInfo?.isSymbolicLink() === true) {
    const target = await realpath(link).catch(missing);
    if (target === undefined) throw invalidRelease(link, 'the link points at nothing', 'Activate a release that exists: `hotswap release activate <id>`.');
    const release = await readRelease(target);
    if (release === undefined) {
      throw invalidRelease(link, `it points at ${target}, which has no ${RELEASE_MANIFEST}`, 'Activate a release made by `hotswap release create`: `hotswap release activate <id>`.');
    }
    return { ...release, root: dir };
  }
  if (linkInfo === undefined && (await lstat(join(dir, RELEASES_DIR)).catch(missing))?.isDirectory() === true) {
    throw new HotswapError(
      ErrorCodes.RELEASE_NOT_ACTIVE,
      `${dir} is a release root with no active release: it has no ${CURRENT_LINK} link. Activate one: \`hotswap release activate <id> --root ${dir}\`.`,
      { stage: 'scan' },
    );
  }
  const target = await realpath(dir).catch(missing);
  return target === undefined ? undefined : readRelease(target);
}

/** The release in directory `dir` (resolved), or `undefined` when it has no release manifest. */
async function readRelease(dir: string): Promise<Omit<ResolvedRelease, 'root'> | undefined> {
  const path = join(dir, RELEASE_MANIFEST);
  const text = await readFile(path, 'utf8').catch(missing);
  if (text === undefined) return undefined;
  const manifest = parseReleaseManifest(text, path);
  if (manifest.id !== basename(dir)) {
    throw invalidRelease(path, `its id ${manifest.id} is not the name of its directory, ${basename(dir)}`);
  }
  return { id: manifest.id, dir, manifest };
}

/** `undefined` for a path that is not there (or has a file where a directory should be); any other error as it is. */
function missing(error: unknown): undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw error;
}
