import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, realpath, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CURRENT_LINK, RELEASE_ID_PATTERN, RELEASES_DIR, resolveRelease, type ResolvedRelease } from '@hotswap/core';
import { CliError, CliErrorCodes } from '../errors.js';

/** The content-addressed store of a release root: one `<sha256>.js` per distinct artifact. */
export const OBJECTS_DIR = 'objects';
/** Directories of the root are the owner's to write, everyone's to read: a host refuses what others may write. */
export const DIR_MODE = 0o755;
/** Artifacts and manifests are never written again once in place. */
export const FILE_MODE = 0o444;

/** Where the parts of a release root are. */
export function releasesDir(root: string): string {
  return join(root, RELEASES_DIR);
}

export function releaseDir(root: string, id: string): string {
  return join(root, RELEASES_DIR, id);
}

export function objectsDir(root: string): string {
  return join(root, OBJECTS_DIR);
}

export function objectPath(root: string, digest: string): string {
  return join(root, OBJECTS_DIR, `${digest}.js`);
}

/** Makes a directory with {@link DIR_MODE} exactly, whatever the umask. */
export async function makeDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  await chmod(path, DIR_MODE);
}

/** A name beside `target` for a file being made: `.<name>.<pid>.<random>.tmp`. */
export function tempBeside(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * A new release id: the UTC time to the millisecond and 8 hex digits of the
 * release's content, `20260102T030405678Z-1a2b3c4d`, so ids sort by time.
 */
export function newReleaseId(contentDigest: string, at: Date): string {
  const time = at.toISOString().replace(/[-:.]/g, '');
  return `${time}-${contentDigest.slice(0, 8)}`;
}

/** Release `id` of `root`, resolved; throws `HOTSWAP_CLI_RELEASE_NOT_FOUND` when there is none. */
export async function findRelease(root: string, id: string): Promise<ResolvedRelease> {
  const release = RELEASE_ID_PATTERN.test(id) ? await resolveRelease(releaseDir(root, id)) : undefined;
  if (release === undefined) {
    throw new CliError(
      `${root} has no release ${JSON.stringify(id)}. \`hotswap release list --root ${root}\` shows the releases there.`,
      CliErrorCodes.RELEASE_NOT_FOUND,
    );
  }
  return release;
}

/**
 * The id of the active release, or `undefined` when none is active (no
 * `<root>/current`, or a link that leads nowhere). `current` is resolved as
 * a host resolves it (`resolveRelease`: realpath, through every link on the
 * way), so `current -> live -> releases/<id>` names `<id>`, the release the
 * host serves, and not the name of the first link's target.
 */
export async function currentId(root: string): Promise<string | undefined> {
  const link = join(root, CURRENT_LINK);
  const info = await lstat(link).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (info === undefined) return undefined;
  if (!info.isSymbolicLink()) throw new CliError(`${link} is not a symbolic link; move it away, then activate a release.`);
  try {
    return basename(await realpath(link));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A host refuses it too (HOTSWAP_RELEASE_INVALID): no release is active.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') {
      throw new CliError(`${link} leads round in a loop of symbolic links, so no release can be told active. Activate one: \`hotswap release activate <id> --root ${root}\`.`);
    }
    throw error;
  }
}

/**
 * Points `<root>/current` at `releases/<id>` in one step: a new link made
 * beside it, then renamed over it. A reader resolving `current` finds the old
 * release or the new one, never neither.
 */
export async function switchCurrent(root: string, id: string): Promise<void> {
  const temp = tempBeside(root, CURRENT_LINK);
  // Relative, so the root can be moved or mounted elsewhere as a whole.
  await symlink(join(RELEASES_DIR, id), temp, 'dir');
  try {
    const existing = await lstat(join(root, CURRENT_LINK)).catch(() => undefined);
    if (existing !== undefined && !existing.isSymbolicLink()) {
      throw new CliError(`${join(root, CURRENT_LINK)} is not a symbolic link; move it away, then activate a release.`, CliErrorCodes.UNWRITABLE);
    }
    await rename(temp, join(root, CURRENT_LINK));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
