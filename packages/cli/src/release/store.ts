import { readdir, rm } from 'node:fs/promises';
import { committedReleaseId, isHotswapError, RELEASE_ID_PATTERN, resolveRelease, type ReleaseManifest } from '@hotswap/core';
import { CliError, CliErrorCodes } from '../errors.js';
import { currentId, findRelease, objectPath, objectsDir, releaseDir, releasesDir, switchCurrent } from './layout.js';

/** One release of a root, as `hotswap release list` shows it. */
export interface ReleaseEntry {
  id: string;
  manifest: ReleaseManifest;
  /** Whether `current` points at it. */
  current: boolean;
}

/**
 * Every release of `root`, oldest first (ids sort by time). A directory
 * being made is not listed, nor a release whose release.json cannot be
 * read (`hotswap release list` names those, and `prune` removes them like
 * any old release).
 */
export async function listReleases(root: string): Promise<ReleaseEntry[]> {
  return (await readReleases(root)).entries;
}

/** A release directory whose release.json cannot be read: its id and why. @internal */
export interface UnreadableRelease {
  id: string;
  message: string;
}

/** The releases of `root`, oldest first, and those that cannot be read: one broken release.json stops neither list nor prune. @internal */
export async function readReleases(root: string): Promise<{ entries: ReleaseEntry[]; unreadable: UnreadableRelease[] }> {
  const ids = await releaseIds(root);
  const current = await currentId(root);
  const entries: ReleaseEntry[] = [];
  const unreadable: UnreadableRelease[] = [];
  for (const id of ids) {
    try {
      const release = await resolveRelease(releaseDir(root, id));
      if (release !== undefined) entries.push({ id, manifest: release.manifest, current: id === current });
    } catch (error) {
      if (!isHotswapError(error)) throw error;
      unreadable.push({ id, message: error.message });
    }
  }
  return { entries, unreadable };
}

/**
 * Points `current` at release `id`, atomically. Throws
 * `HOTSWAP_CLI_RELEASE_NOT_FOUND` for an id that is not a release of `root`.
 * Returns the id that was active before, if any.
 */
export async function activateRelease(root: string, id: string): Promise<{ id: string; was: string | undefined }> {
  await findRelease(root, id);
  // Only for the message: a `current` that names no release (a loop of links, say) is what activating repairs.
  const was = await currentId(root).catch(() => undefined);
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
  const { entries, unreadable } = await readReleases(root);
  // The newest `keep` of all, readable or not: ids sort by time.
  const all = [...entries.map((e) => e.id), ...unreadable.map((u) => u.id)].sort();
  const protect = new Set<string>(all.slice(Math.max(0, all.length - keep)));
  const active = await currentId(root);
  if (active !== undefined) protect.add(active);
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
  // An unreadable release is never served: removed like an old one, unless it is one of those kept.
  const keptUnreadable = unreadable.filter((u) => protect.has(u.id));
  for (const { id } of unreadable) {
    if (protect.has(id)) continue;
    await rm(releaseDir(root, id), { recursive: true, force: true });
    removed.push(id);
  }
  removed.sort();
  const used = new Set(kept.flatMap((e) => e.manifest.plugins.map((p) => p.digest)));
  let freedObjects = 0;
  // What a kept release that cannot be read uses is unknown: then no stored artifact is deleted.
  const objects = keptUnreadable.length > 0 ? [] : await readdir(objectsDir(root)).catch(() => []);
  for (const file of objects) {
    const digest = /^([0-9a-f]{64})\.js$/.exec(file)?.[1];
    if (digest === undefined || used.has(digest)) continue;
    await rm(objectPath(root, digest), { force: true });
    freedObjects++;
  }
  return { removed, kept: [...kept.map((e) => e.id), ...keptUnreadable.map((u) => u.id)].sort(), freedObjects };
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
