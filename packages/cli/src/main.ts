import { relative } from 'node:path';
import { isHotswapError } from '@hotswap/core';
import { Command, CommanderError, Option } from 'commander';
import { build, type BuildOptions, type BuiltPlugin } from './build.js';
import { BuildError } from './errors.js';
import { paint } from './output.js';

/** Exit codes of the `hotswap` command. */
export const ExitCodes = {
  OK: 0,
  /** The command ran and failed: a build error, for instance. */
  FAILED: 1,
  /** The command line itself was wrong. */
  USAGE: 2,
} as const;

/** Go's flag names, accepted as spelled there. */
const GO_FLAGS: Record<string, string> = {
  '--leaveTemps': '--leave-temps',
  '--livePrefix': '--live-prefix',
};

/**
 * Runs the `hotswap` command line with `argv` (without `node` and the script)
 * and resolves to the exit code. Writes to stdout and stderr.
 */
export async function main(argv: readonly string[], io: { out?: NodeJS.WritableStream; err?: NodeJS.WritableStream } = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  const color = paint(out);
  const ecolor = paint(err);
  let exitCode: number = ExitCodes.OK;
  const program = new Command('hotswap')
    .description('Build plugins that a running Node.js host can reload without a restart.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('build')
    .description('Bundle each plugin under <pluginDir> into one artifact in <outputDir>.')
    .argument('<pluginDir>', 'a plugin directory, or a directory of plugin directories')
    .argument('<outputDir>', 'where to write <name>.hotswap.js artifacts')
    .argument('[bundlerFlags...]', 'esbuild flags, after --')
    .option('--shared <specifier...>', 'modules the host shares (not bundled); @hotswap/core always is', [])
    .option('--include <regex>', 'only plugins whose name matches')
    .option('--exclude <regex>', 'skip plugins whose name matches')
    .option('--debug', 'do not minify: easier to read and step through', false)
    .option('--no-bundle', 'check and bundle, but write no artifact')
    .option('--live-prefix <prefix>', 'exports starting with this (any case) are live functions and types', 'live_')
    .option('--leave-temps', 'keep bundle, source map and metafile in <outputDir>/.hotswap-temp/', false)
    .addOption(new Option('--stamp <stamp>', 'the build stamp to record (default: time and random digits)'))
    .option('-v, --verbose', 'list every bundled file', false)
    .addHelpText(
      'after',
      `
Examples:
  $ hotswap build plugins bin
  $ hotswap build plugins bin --shared '#g' --include '^world$'
  $ hotswap build plugins/world bin -- --define:GREETING='"hi"' --minify`,
    )
    .action(async (pluginDir: string, outputDir: string, bundlerFlags: string[], flags: BuildFlags) => {
      const options: BuildOptions = {
        pluginDir,
        outputDir,
        shared: flags.shared,
        debug: flags.debug,
        write: flags.bundle,
        leaveTemps: flags.leaveTemps,
        livePrefix: flags.livePrefix,
        bundlerFlags,
        onPlugin: (plugin) => out.write(describePlugin(plugin, flags.verbose, color)),
      };
      if (flags.include !== undefined) options.include = regex(flags.include, '--include');
      if (flags.exclude !== undefined) options.exclude = regex(flags.exclude, '--exclude');
      if (flags.stamp !== undefined) options.buildStamp = flags.stamp;
      const started = performance.now();
      const result = await build(options);
      const what = result.written ? `built ${result.plugins.length} plugin(s)` : `checked ${result.plugins.length} plugin(s), wrote nothing`;
      out.write(`${color.green('✔')} ${what} in ${Math.round(performance.now() - started)} ms, stamp ${result.buildStamp}\n`);
    });

  try {
    await program.parseAsync(normalize(argv), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      exitCode = error.exitCode === 0 ? ExitCodes.OK : ExitCodes.USAGE;
    } else if (error instanceof BuildError && error.formatted !== '') {
      err.write(`${ecolor.red('✘')} ${error.message}\n\n${error.formatted}`);
      err.write(`${ecolor.dim(error.code)}\n`);
      exitCode = ExitCodes.FAILED;
    } else if (isHotswapError(error)) {
      err.write(`${ecolor.red('✘')} ${error.message}\n${ecolor.dim(error.code)}\n`);
      exitCode = error instanceof UsageError ? ExitCodes.USAGE : ExitCodes.FAILED;
    } else {
      err.write(`${ecolor.red('✘')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      exitCode = ExitCodes.FAILED;
    }
  }
  return exitCode;
}

interface BuildFlags {
  shared: string[];
  include?: string;
  exclude?: string;
  debug: boolean;
  bundle: boolean;
  leaveTemps: boolean;
  livePrefix: string;
  stamp?: string;
  verbose: boolean;
}

class UsageError extends BuildError {}

function regex(source: string, flag: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new UsageError('HOTSWAP_BUILD_BAD_OPTION', `${flag} ${source} is not a valid regular expression: ${(error as Error).message}`);
  }
}

function normalize(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((arg, i) => (end >= 0 && i > end ? arg : (GO_FLAGS[arg] ?? arg)));
}

function describePlugin(plugin: BuiltPlugin, verbose: boolean, color: ReturnType<typeof paint>): string {
  const size = plugin.bytes >= 1024 ? `${(plugin.bytes / 1024).toFixed(1)} KB` : `${plugin.bytes} B`;
  const shared = plugin.manifest.shared.length > 0 ? color.dim(` shared: ${plugin.manifest.shared.join(', ')}`) : '';
  const live = plugin.manifest.live.length > 0 ? color.dim(` live: ${plugin.manifest.live.join(', ')}`) : '';
  let line = `${color.green('✔')} ${color.bold(plugin.name)} ${plugin.version} → ${relative(process.cwd(), plugin.artifact)} ${color.dim(`(${size}, ${Math.round(plugin.durationMs)} ms)`)}${shared}${live}\n`;
  if (verbose) line += plugin.inputs.map((i) => `    ${color.dim(i)}\n`).join('');
  return line;
}
