import { isHotswapError } from '@hotswap/core';
import { Command, CommanderError } from 'commander';
import { registerBuild } from './commands/build.js';
import { registerInit } from './commands/init.js';
import { registerInspect } from './commands/inspect.js';
import { registerKeygen } from './commands/keygen.js';
import { registerRelease } from './commands/release.js';
import { registerReload } from './commands/reload.js';
import { registerStatus } from './commands/status.js';
import { registerWatch } from './commands/watch.js';
import { BuildErrorCodes, CliErrorCodes } from './errors.js';
import { paint, type Io } from './output.js';
import { reportError } from './report.js';

/** Exit codes of the `hotswap` command. */
export const ExitCodes = {
  OK: 0,
  /** The command ran and failed: a build error, an invalid artifact, a host that cannot be reached. */
  FAILED: 1,
  /** The command line itself was wrong. */
  USAGE: 2,
} as const;

/** Errors in what the user typed: exit code 2. */
const USAGE_CODES = new Set<string>([CliErrorCodes.USAGE, BuildErrorCodes.BAD_FLAG, BuildErrorCodes.BAD_OPTION]);

/** Go's flag names, accepted as spelled there. */
const GO_FLAGS: Record<string, string> = {
  '--leaveTemps': '--leave-temps',
  '--livePrefix': '--live-prefix',
  '--staticLinking': '--static-linking',
  '--goBuild=false': '--no-bundle',
};

/** Where `main` writes, and (for `watch`) what ends it; the defaults are the process's. */
export interface MainIo {
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  /** Resolves when a long-running command should stop. Default: SIGINT or SIGTERM. */
  until?: Promise<void>;
}

/**
 * Runs the `hotswap` command line with `argv` (without `node` and the script)
 * and resolves to the exit code.
 */
export async function main(argv: readonly string[], options: MainIo = {}): Promise<number> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const io: Io = { out, err, color: paint(out), ecolor: paint(err) };
  const until = (): Promise<void> =>
    options.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  const program = new Command('hotswap')
    .description('Build plugins that a running Node.js host can reload without a restart, and make it reload.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  registerBuild(program, io);
  registerWatch(program, io, until);
  registerInspect(program, io);
  registerInit(program, io);
  registerReload(program, io);
  registerStatus(program, io);
  registerRelease(program, io);
  registerKeygen(program, io);

  try {
    await program.parseAsync(normalize(argv), { from: 'user' });
    return ExitCodes.OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    reportError(error, io);
    return isHotswapError(error) && USAGE_CODES.has(error.code) ? ExitCodes.USAGE : ExitCodes.FAILED;
  }
}

function normalize(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((arg, i) => {
    if (end >= 0 && i > end) return arg;
    const exact = GO_FLAGS[arg];
    if (exact !== undefined) return exact;
    // --livePrefix=hot_ as well as --livePrefix hot_.
    const [flag = '', value] = arg.split(/=(.*)/s);
    const renamed = GO_FLAGS[flag];
    return renamed !== undefined && value !== undefined ? `${renamed}=${value}` : arg;
  });
}
