import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ErrorCodes, HotswapError } from '../errors.js';

/** How many bytes an artifact may have unless the scan is told otherwise: 64 MiB. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

/**
 * Checks a `maxArtifactBytes` option: a positive safe integer, or `undefined`
 * for {@link DEFAULT_MAX_ARTIFACT_BYTES}. Throws `HOTSWAP_INVALID_OPTION`.
 */
export function checkMaxArtifactBytes(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_ARTIFACT_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new HotswapError(
      ErrorCodes.INVALID_OPTION,
      `\`maxArtifactBytes\` must be a positive whole number of bytes, got ${typeof value === 'number' ? String(value) : typeof value}. ` +
        `Leave it out for the default of ${DEFAULT_MAX_ARTIFACT_BYTES} (64 MiB).`,
    );
  }
  return value;
}

/** What a file system entry is, for messages: "a directory", "a FIFO (named pipe)"... */
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

/**
 * Throws `HOTSWAP_ARTIFACT_NOT_A_FILE` unless `info` is a regular file, and
 * `HOTSWAP_ARTIFACT_TOO_LARGE` if it has more than `maxBytes` bytes. Neither
 * needs the file opened, so a FIFO or a huge file is refused without reading it.
 */
export function checkArtifactFile(path: string, info: Stats, maxBytes: number): void {
  if (!info.isFile()) {
    throw new HotswapError(
      ErrorCodes.ARTIFACT_NOT_A_FILE,
      `${path} is ${describeKind(info)}, not a regular file, so it cannot be an artifact. ` +
        `Remove it from the plugin directory, or give it a name that does not end in .hotswap.js.`,
      { stage: 'scan' },
    );
  }
  if (info.size > maxBytes) throw tooLarge(path, `${info.size} bytes`, maxBytes);
}

function tooLarge(path: string, size: string, maxBytes: number): HotswapError {
  return new HotswapError(
    ErrorCodes.ARTIFACT_TOO_LARGE,
    `${path} is ${size}, more than the ${maxBytes} bytes an artifact may have. ` +
      `Check that it is an artifact built by \`hotswap build\`; if a plugin really is that large, raise the swapper's maxArtifactBytes option.`,
    { stage: 'scan' },
  );
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; O_NOFOLLOW refuses a
// symbolic link put in place after the checks. Windows has neither, and no FIFOs to open by path.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Reads a whole artifact as UTF-8 without ever blocking on it: opens it
 * non-blocking, checks the opened descriptor with {@link checkArtifactFile}
 * (so a file swapped for a FIFO after an earlier check is refused too), and
 * stops at `maxBytes`. Returns the text and the descriptor's stats, which
 * describe exactly the file that was read. `path` must not be a symbolic link.
 */
export async function readArtifactFile(path: string, maxBytes: number): Promise<{ text: string; info: Stats }> {
  const handle = await open(path, OPEN_FLAGS).catch((error: unknown) => {
    throw openError(path, error);
  });
  try {
    const info = await handle.stat();
    checkArtifactFile(path, info, maxBytes);
    const chunks = new Chunks(path, info, maxBytes);
    while (chunks.add(await handle.read(chunks.next(), 0, chunks.room, null).then((r) => r.bytesRead)));
    return { text: chunks.text(), info };
  } finally {
    await handle.close();
  }
}

/**
 * {@link readArtifactFile}, synchronously: for the few files of a reload
 * after an edit, which the page cache answers in microseconds, where each
 * trip through libuv's thread pool waits for a thread. Opening non-blocking,
 * it never waits on a FIFO either. `path` must not be a symbolic link.
 */
export function readArtifactFileSync(path: string, maxBytes: number): { text: string; info: Stats } {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(path, error);
  }
  try {
    const info = fstatSync(fd);
    checkArtifactFile(path, info, maxBytes);
    const chunks = new Chunks(path, info, maxBytes);
    while (chunks.add(readSync(fd, chunks.next(), 0, chunks.room, null)));
    return { text: chunks.text(), info };
  } finally {
    closeSync(fd);
  }
}

/** The buffers of one file read to its end, refusing it once it has more than `maxBytes` bytes. */
class Chunks {
  readonly #chunks: Buffer[] = [];
  #total = 0;
  #buffer: Buffer = Buffer.alloc(0);
  /** The size of the buffer `next()` returned. */
  room = 0;

  constructor(
    readonly path: string,
    readonly info: Stats,
    readonly maxBytes: number,
  ) {}

  /** A buffer for the next read: one byte more than allowed tells a file that grew past the limit from one that ends there. */
  next(): Buffer {
    this.room = Math.min(this.maxBytes + 1 - this.#total, Math.max(this.info.size - this.#total + 1, 64 * 1024));
    this.#buffer = Buffer.allocUnsafe(this.room);
    return this.#buffer;
  }

  /** Takes the bytes of the last read; false at the end of the file. */
  add(bytesRead: number): boolean {
    if (bytesRead === 0) return false;
    this.#chunks.push(this.#buffer.subarray(0, bytesRead));
    this.#total += bytesRead;
    if (this.#total > this.maxBytes) throw tooLarge(this.path, `more than ${this.maxBytes} bytes (it grew while being read)`, this.maxBytes);
    return true;
  }

  text(): string {
    return Buffer.concat(this.#chunks, this.#total).toString('utf8');
  }
}

function openError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  // ELOOP: O_NOFOLLOW met a symbolic link; ENXIO: a socket, which cannot be opened as a file.
  if (code === 'ELOOP' || code === 'ENXIO') {
    return new HotswapError(
      ErrorCodes.ARTIFACT_NOT_A_FILE,
      `${path} changed into ${code === 'ELOOP' ? 'a symbolic link' : 'a socket'} while the plugin directory was being read, so it is not read. ` +
        'Replace it with a regular artifact file and reload again.',
      { stage: 'scan', cause: error },
    );
  }
  return error;
}
