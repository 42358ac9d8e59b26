import { isHotswapError } from '@hotswap/core';
import { BuildError, CliErrorCodes } from './errors.js';
import type { Io } from './output.js';

/** Prints an error the way every command does: the message, esbuild's code frames, the code. */
export function reportError(error: unknown, io: Io): void {
  const { ecolor } = io;
  if (error instanceof BuildError && error.formatted !== '') {
    io.err.write(`${ecolor.red('✘')} ${error.message}\n\n${error.formatted}${ecolor.dim(error.code)}\n`);
  } else if (isHotswapError(error)) {
    io.err.write(`${ecolor.red('✘')} ${error.message}\n${ecolor.dim(error.code)}\n`);
  } else if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    // A Node error (a system call's, an invalid URL) that no command turned into its own: still a coded last line, no stack.
    io.err.write(`${ecolor.red('✘')} ${error.message}\n${ecolor.dim(CliErrorCodes.FAILED)}\n`);
  } else {
    io.err.write(`${ecolor.red('✘')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}
