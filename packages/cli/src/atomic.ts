import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** One file for {@link writeFilesAtomic} to write. */
export interface AtomicFile {
  path: string;
  data: string | Uint8Array;
  /** The file's mode, set exactly (whatever the umask); by default a new file's usual mode. */
  mode?: number;
}

/** A group write that failed; nothing of the group is left written. `path` is the file or directory that failed. */
export class AtomicWriteError extends Error {
  readonly path: string;
  /** The errno code of the failure, such as `EACCES` or `EISDIR`, or the error's text. */
  readonly reason: string;

  constructor(path: string, cause: unknown) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    super(`cannot write ${path} (${reason})`, { cause });
    this.name = 'AtomicWriteError';
    this.path = path;
    this.reason = reason;
  }
}

interface Staged {
  target: string;
  temp: string;
  /** A hard link to (or copy of) the file the target replaces, to put back on failure. */
  backup?: string | undefined;
  committed: boolean;
}

/**
 * Writes every file, or none: each is written to a temporary file beside it
 * (`.<file>.<pid>.<random>.tmp`), then all are renamed into place. A reader
 * sees the old file or the new one, never half of one. If any step fails,
 * the files already replaced are put back, new ones removed, temporary files
 * deleted, and an {@link AtomicWriteError} is thrown.
 */
export function writeFilesAtomic(files: readonly AtomicFile[]): void {
  const staged: Staged[] = [];
  try {
    for (const file of files) {
      const entry = prepare(file);
      // Listed before writing, so a temporary file left by a failed write is removed too.
      staged.push(entry);
      attempt(entry.target, () => {
        writeFileSync(entry.temp, file.data, { flag: 'wx', ...(file.mode === undefined ? {} : { mode: file.mode }) });
        if (file.mode !== undefined) chmodSync(entry.temp, file.mode);
      });
    }
    // A lone file needs no backup: its rename either replaces the old file or leaves it as it was.
    if (staged.length > 1) for (const entry of staged) entry.backup = backUp(entry.target);
    for (const entry of staged) {
      attempt(entry.target, () => renameSync(entry.temp, entry.target));
      entry.committed = true;
    }
  } catch (error) {
    rollBack(staged);
    throw error;
  }
  for (const entry of staged) if (entry.backup !== undefined) rmSync(entry.backup, { force: true });
}

function prepare(file: AtomicFile): Staged {
  const target = resolve(file.path);
  const dir = dirname(target);
  attempt(dir, () => mkdirSync(dir, { recursive: true }));
  return { target, temp: sibling(target, 'tmp'), committed: false };
}

function sibling(target: string, kind: 'tmp' | 'bak'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`);
}

/** Keeps the file at `target`, if there is one, under a second name, so a failed group can put it back. */
function backUp(target: string): string | undefined {
  let isDirectory: boolean;
  try {
    isDirectory = lstatSync(target).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AtomicWriteError(target, error);
  }
  // Renaming a file over a directory fails, so a directory is never replaced and needs no backup.
  if (isDirectory) return undefined;
  const backup = sibling(target, 'bak');
  attempt(target, () => {
    try {
      linkSync(target, backup);
    } catch {
      // A file system without hard links: keep a copy instead.
      copyFileSync(target, backup);
    }
  });
  return backup;
}

function rollBack(staged: readonly Staged[]): void {
  for (const entry of [...staged].reverse()) {
    try {
      if (entry.committed && entry.backup !== undefined) renameSync(entry.backup, entry.target);
      else if (entry.committed) rmSync(entry.target, { force: true });
      else rmSync(entry.temp, { force: true });
      if (entry.backup !== undefined) rmSync(entry.backup, { force: true });
    } catch {
      // Best effort: the first failure is the one reported.
    }
  }
}

function attempt(path: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    throw error instanceof AtomicWriteError ? error : new AtomicWriteError(path, error);
  }
}
