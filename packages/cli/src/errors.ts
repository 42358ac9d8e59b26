import { HotswapError } from '@hotswap/core';

/** The stable codes of the errors `hotswap build` raises. */
export const BuildErrorCodes = {
  NO_PLUGINS: 'HOTSWAP_BUILD_NO_PLUGINS',
  BAD_NAME: 'HOTSWAP_BUILD_BAD_NAME',
  BAD_PACKAGE_JSON: 'HOTSWAP_BUILD_BAD_PACKAGE_JSON',
  NO_DEFINITION: 'HOTSWAP_BUILD_NO_DEFINITION',
  BUNDLE_FAILED: 'HOTSWAP_BUILD_FAILED',
  OUTSIDE_MODULE: 'HOTSWAP_BUILD_OUTSIDE_MODULE',
  OUTPUT_UNWRITABLE: 'HOTSWAP_BUILD_OUTPUT_UNWRITABLE',
  BAD_FLAG: 'HOTSWAP_BUILD_BAD_FLAG',
  BAD_OPTION: 'HOTSWAP_BUILD_BAD_OPTION',
} as const;

/** The stable codes of command-line errors that are not build errors. */
export const CliErrorCodes = {
  USAGE: 'HOTSWAP_CLI_USAGE',
  FAILED: 'HOTSWAP_CLI_FAILED',
  UNREADABLE: 'HOTSWAP_CLI_UNREADABLE',
  UNWRITABLE: 'HOTSWAP_CLI_UNWRITABLE',
  RELEASE_NOT_FOUND: 'HOTSWAP_CLI_RELEASE_NOT_FOUND',
  RELEASE_EMPTY: 'HOTSWAP_CLI_RELEASE_EMPTY',
} as const;

/** One of the stable codes of {@link BuildError}. */
export type BuildErrorCode = (typeof BuildErrorCodes)[keyof typeof BuildErrorCodes];

/** Where in a source file a build error points. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  lineText: string;
}

/**
 * A build that failed. Nothing was written to the output directory. For
 * bundling errors, `locations` lists each error's place and `formatted` is
 * esbuild's own report with code frames.
 */
export class BuildError extends HotswapError<BuildErrorCode> {
  readonly locations: readonly SourceLocation[];
  readonly formatted: string;

  constructor(
    code: BuildErrorCode,
    message: string,
    options: { plugin?: string; cause?: unknown; locations?: SourceLocation[]; formatted?: string } = {},
  ) {
    super(code, message, { plugin: options.plugin, stage: 'build', cause: options.cause });
    this.name = 'BuildError';
    this.locations = options.locations ?? [];
    this.formatted = options.formatted ?? '';
  }
}

/** A command that ran and failed (exit code 1): a host that cannot be reached, say. */
export class CliError extends HotswapError<string> {
  constructor(message: string, code: string = CliErrorCodes.FAILED) {
    super(code, message);
    this.name = 'CliError';
  }
}

/** A command line that is wrong (exit code 2). */
export class UsageError extends HotswapError<typeof CliErrorCodes.USAGE> {
  constructor(message: string) {
    super(CliErrorCodes.USAGE, message);
    this.name = 'UsageError';
  }
}
