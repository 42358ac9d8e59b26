import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { asFailure, describe, ErrorCodes, HotswapError } from '../errors.js';
import { RELEASE_ID_PATTERN, RELEASES_DIR } from '../release/manifest.js';
import { resolveRelease, type ResolvedRelease } from '../release/resolve.js';
import type { Logger } from '../logger.js';
import type { ReleaseRef } from './types.js';

/** The file in a release root, beside `current`, that names the release the last cluster reload committed. */
export const COMMITTED_FILE = 'committed';

/** What {@link COMMITTED_FILE} holds, as JSON. */
interface CommittedRecord {
  release: string;
  at: string;
}

/**
 * The release `<root>/current` names now, resolved once by
 * {@link resolveRelease}: its id and its own directory, never the link.
 * Throws `HOTSWAP_RELEASE_UNRESOLVED` when the root has no active release,
 * or the link does not lead to a valid one.
 */
export async function resolveActive(root: string): Promise<ReleaseRef> {
  const link = join(root, 'current');
  let found: ResolvedRelease | undefined;
  try {
    found = await resolveRelease(root);
  } catch (error) {
    const failure = asFailure(error);
    throw new HotswapError(ErrorCodes.RELEASE_UNRESOLVED, `no release can be resolved under ${root}: ${failure.message}`, { cause: error });
  }
  if (found?.root === undefined) {
    throw new HotswapError(
      ErrorCodes.RELEASE_UNRESOLVED,
      `no release is active under ${root}: there is no ${link} link. Activate a release (hotswap release activate), which points ${link} at releases/<id>.`,
    );
  }
  return { id: found.id, dir: found.dir };
}

/**
 * The id of the release `<root>/committed` records, without resolving it;
 * `undefined` when there is no record. Throws `HOTSWAP_RELEASE_UNRESOLVED`
 * for a record that cannot be read or names no release id.
 */
export async function committedReleaseId(root: string): Promise<string | undefined> {
  const path = join(root, COMMITTED_FILE);
  try {
    const record: unknown = JSON.parse(await readFile(path, 'utf8'));
    const release = typeof record === 'object' && record !== null && 'release' in record ? record.release : undefined;
    if (typeof release !== 'string' || !RELEASE_ID_PATTERN.test(release)) throw new Error('it names no release id');
    return release;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HotswapError(ErrorCodes.RELEASE_UNRESOLVED, `the committed release record ${path} cannot be read (${describe(error)}).`, { cause: error });
  }
}

/**
 * The release the last cluster reload under `root` committed, as
 * {@link recordCommitted} wrote it, resolved; `undefined` when none was ever
 * recorded. Throws `HOTSWAP_RELEASE_UNRESOLVED` when the record cannot be
 * read or names a release that is no longer there.
 */
export async function readCommitted(root: string): Promise<ReleaseRef | undefined> {
  const path = join(root, COMMITTED_FILE);
  const id = await committedReleaseId(root);
  if (id === undefined) return undefined;
  let found: ResolvedRelease | undefined;
  try {
    found = await resolveRelease(join(root, RELEASES_DIR, id));
  } catch (error) {
    throw new HotswapError(ErrorCodes.RELEASE_UNRESOLVED, `${path} names release ${id}, which cannot be resolved: ${asFailure(error).message}`, { cause: error });
  }
  if (found === undefined) throw new HotswapError(ErrorCodes.RELEASE_UNRESOLVED, `${path} names release ${id}, which is not under ${join(root, RELEASES_DIR)} any more.`);
  return { id: found.id, dir: found.dir };
}

/**
 * Records `release` as the committed one under `root`, durably and
 * atomically: a new file beside {@link COMMITTED_FILE} (created
 * exclusively, flushed to disk) renamed over it, then the directory
 * flushed. A reader, or a primary that restarts, finds the old record or the
 * new one, never a part of one. Throws the file system's error.
 */
export async function recordCommitted(root: string, release: ReleaseRef): Promise<void> {
  const target = join(root, COMMITTED_FILE);
  const temp = join(root, `.${COMMITTED_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const record: CommittedRecord = { release: release.id, at: new Date().toISOString() };
  try {
    const file = await open(temp, 'wx', 0o644);
    try {
      await file.writeFile(`${JSON.stringify(record)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // The rename is durable once the directory is on disk too; a platform that cannot sync a directory keeps the rename as it is.
  const dir = await open(root, 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

/**
 * The writes of one release root's committed record, made one at a time in
 * the order they are asked for: a start-up's write already under way ends
 * before a decision's begins. Once a decision is recorded the start-up's
 * release is superseded, and a start-up write asked for after that is
 * skipped, so it never overwrites the decision (a reload that decides while
 * the first worker is being named a release, `current` changing meanwhile).
 */
export class CommittedRecorder {
  readonly #root: string;
  #tail: Promise<unknown> = Promise.resolve();
  #decided = false;

  constructor(root: string) {
    this.#root = root;
  }

  /** Records a cluster reload's decision, or a canary's promotion. Throws the file system's error. */
  decision(release: ReleaseRef): Promise<void> {
    return this.#queue(async () => {
      await recordCommitted(this.#root, release);
      this.#decided = true;
    });
  }

  /** Records the release a coordinator starts from, unless a decision was recorded first; resolves whether it was written. */
  startUp(release: ReleaseRef): Promise<boolean> {
    return this.#queue(async () => {
      if (this.#decided) return false;
      await recordCommitted(this.#root, release);
      return true;
    });
  }

  #queue<R>(write: () => Promise<R>): Promise<R> {
    const next = this.#tail.then(write);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * The committed release a coordinator starts from: the one the release root
 * records as committed (a primary that restarted), else the one `current`
 * names, recorded at once through `recorder` (skipped when a decision was
 * recorded meanwhile: the coordinator names that one).
 */
export async function startingRelease(root: string, log: Logger, recorder: CommittedRecorder): Promise<ReleaseRef> {
  const recorded = await readCommitted(root).catch((error: unknown) => {
    log.warn({ stage: 'join', code: asFailure(error).code }, `${asFailure(error).message} Starting from the release current names.`);
    return undefined;
  });
  if (recorded !== undefined) return recorded;
  const active = await resolveActive(root);
  // Recorded at once: a primary restarted before the first cluster reload names it too, whatever current says by then.
  await recorder.startUp(active).catch((error: unknown) => log.warn({ stage: 'join' }, `the committed release cannot be recorded under ${root} (${describe(error)}); a restarted primary starts from current.`));
  return active;
}
