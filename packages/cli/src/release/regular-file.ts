import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, stat } from 'node:fs/promises';

/** What a file system entry is, for messages, as a host names it: "a directory", "a FIFO (named pipe)"... */
export function describeKind(info: Stats): string {
  if (info.isFile()) return 'a regular file';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** What {@link readRegularFile} found: the bytes of a regular file, or what the entry is instead. */
export type RegularFile = { bytes: Buffer } | { kind: string };

// O_NONBLOCK makes opening a FIFO (put in place after the stat) return at once instead of waiting for a writer.
// Windows has neither the flag nor FIFOs to open by path.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads `path` (a symbolic link is followed, as a host follows it) only if
 * it is a regular file; otherwise says what it is (`a directory`, `a FIFO
 * (named pipe)`, `a symbolic link to x, which leads nowhere`...) without
 * reading it. A FIFO or a device is refused before it is opened, and the
 * opened file is checked again, so nothing here ever waits on one. Errors
 * other than a link that leads nowhere or round in a loop are thrown as
 * they are (`ENOENT` for a path that is not there).
 */
export async function readRegularFile(path: string): Promise<RegularFile> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const broken = await brokenLink(path, error);
    if (broken !== undefined) return { kind: broken };
    throw error;
  }
  if (!info.isFile()) return { kind: describeKind(info) };
  const handle = await open(path, OPEN_FLAGS);
  try {
    // The opened file's own stats: an entry swapped for a FIFO since the stat above is refused too.
    const opened = await handle.stat();
    if (!opened.isFile()) return { kind: describeKind(opened) };
    return { bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** For a `stat` that failed on a symbolic link leading nowhere or round in a loop, what the link is; else undefined. */
async function brokenLink(path: string, error: unknown): Promise<string | undefined> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'a symbolic link that leads round in a loop';
  if (code !== 'ENOENT') return undefined;
  const link = await lstat(path).catch(() => undefined);
  if (link?.isSymbolicLink() !== true) return undefined;
  const target = await readlink(path).catch(() => undefined);
  return target === undefined ? 'a symbolic link that leads nowhere' : `a symbolic link to ${target}, which leads nowhere`;
}
