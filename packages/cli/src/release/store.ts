import { readdir, rm } from 'node:fs/promises';
import { committedReleaseId, RELEASE_ID_PATTERN, resolveRelease, type ReleaseManifest } from '@hotswap/core';
import { CliError, CliErrorCodes } from '../errors.js';
import { currentId, findRelease, objectPath, objectsDir, releaseDir, releasesDir, switchCurrent } from './layout.js';

/** One release of a root, as `hotswap release list` shows it. */
export interface ReleaseEntry {
  id: string;
  manifest: ReleaseManifest;
  /** Whether `current` points at it. */
  current: boolean;
}

/** Every release of `root`, oldest first (ids sort by time). A directory being made is not listed. */
export async function listReleases(root: string): Promise<ReleaseEntry[]> {
  const ids = await releaseIds(root);
  const current = await currentId(root);
  const entries: ReleaseEntry[] = [];
  for (const id of ids) {
    const release = await resolveRelease(releaseDir(root, id));
    if (release !== undefined) entries.push({ id, manifest: release.manifest, current: id === current });
  }
  return entries;
}

/**
 * Points `current` at release `id`, atomically. Throws
 * `HOTSWAP_CLI_RELEASE_NOT_FOUND` for an id that is not a release of `root`.
 * Returns the id that was active before, if any.
 */
export async function activateRelease(root: string, id: string): Promise<{ id: string; was: string | undefined }> {
  await findRelease(root, id);
  const was = await currentId(root);
  await switchCurrent(root, id);
  return { id, was };
}

/**
 * Activates the release the active one names as its `previous` (the one that
 * was active when it was made). Throws `HOTSWAP_CLI_RELEASE_NOT_FOUND` when
 * none is active, it has no previous, or that one was removed.
 */
export async function rollbackRelease(root: string): Promise<{ id: string; was: string }> {
  const was = await currentId(root);
  if (was === undefined) throw notFound(`${root} has no active release to roll back from. Activate one: \`hotswap release activate <id> --root ${root}\`.`);
  const { manifest } = await findRelease(root, was);
  if (manifest.previous === undefined) throw notFound(`release ${was} has no previous release to roll back to: it was the first one made in ${root}.`);
  await activateRelease(root, manifest.previous);
  return { id: manifest.previous, was };
}

/** What {@link pruneReleases} removed and kept. */
export interface PruneResult {
  removed: string[];
  kept: string[];
  /** Stored artifacts that no kept release uses any more, deleted. */
  freedObjects: number;
}

/**
 * Removes all but the `keep` newest releases, never the active one or the
 * one it would roll back to, then deletes each stored artifact that no kept
 * release lists. A host reading a removed release at that moment fails its
 * reload and keeps serving.
 */
export async function pruneReleases(root: string, keep: number): Promise<PruneResult> {
  if (!Number.isSafeInteger(keep) || keep < 0) throw new CliError(`--keep must be a whole number of releases, 0 or more, got ${keep}.`, CliErrorCodes.USAGE);
  const entries = await listReleases(root);
  const protect = new Set<string>(entries.slice(Math.max(0, entries.length - keep)).map((e) => e.id));
  const current = entries.find((e) => e.current);
  if (current !== undefined) protect.add(current.id);
  if (current?.manifest.previous !== undefined) protect.add(current.manifest.previous);
  // The release a cluster's coordinator recorded as committed: what its primary names to workers after a restart.
  const committed = await committedReleaseId(root).catch(() => undefined);
  if (committed !== undefined) protect.add(committed);
  const removed: string[] = [];
  const kept: ReleaseEntry[] = [];
  for (const entry of entries) {
    if (protect.has(entry.id)) {
      kept.push(entry);
      continue;
    }
    await rm(releaseDir(root, entry.id), { recursive: true, force: true });
    removed.push(entry.id);
  }
  const used = new Set(kept.flatMap((e) => e.manifest.plugins.map((p) => p.digest)));
  let freedObjects = 0;
  const objects = await readdir(objectsDir(root)).catch(() => []);
  for (const file of objects) {
    const digest = /^([0-9a-f]{64})\.js$/.exec(file)?.[1];
    if (digest === undefined || used.has(digest)) continue;
    await rm(objectPath(root, digest), { force: true });
    freedObjects++;
  }
  return { removed, kept: kept.map((e) => e.id), freedObjects };
}

async function releaseIds(root: string): Promise<string[]> {
  try {
    return (await readdir(releasesDir(root))).filter((n) => RELEASE_ID_PATTERN.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function notFound(message: string): CliError {
  return new CliError(message, CliErrorCodes.RELEASE_NOT_FOUND);
}
