import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Option, type Command } from 'commander';
import { build, type BuildOptions, type BuiltPlugin } from '../build.js';
import { UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { createRelease } from '../release/create.js';
import { describeRelease } from './release.js';

/** The flags `build` and `watch` share. */
export interface BuildFlags {
  shared: string[];
  include?: string;
  exclude?: string;
  debug: boolean;
  bundle: boolean;
  leaveTemps: boolean;
  livePrefix: string;
  staticLinking?: boolean;
  sign?: string;
  stamp?: string;
  verbose: boolean;
}

/** Adds the build flags to a command. */
export function buildFlags(command: Command, withoutBundle = false): Command {
  command
    .option('--shared <specifier>', 'a module the host shares (not bundled); repeat or comma-separate; @hotswap/core/plugin always is', collect, [])
    .option('--include <regex>', 'only plugins whose name matches')
    .option('--exclude <regex>', 'skip plugins whose name matches')
    .option('--debug', 'do not minify: easier to read and step through', false)
    .option('--live-prefix <prefix>', 'exports starting with this (any case) are live functions and types', 'live_')
    .option('--leave-temps', 'keep bundle, source map and metafile in <outputDir>/.hotswap-temp/', false)
    .option('--sign <keyFile>', 'sign every artifact with this Ed25519 private key (PEM; see hotswap keygen)')
    .addOption(new Option('--stamp <stamp>', 'the build stamp to record (default: time and random digits)'))
    .option('-v, --verbose', 'list every bundled file', false);
  if (!withoutBundle) {
    command
      .option('--no-bundle', 'check and bundle, but write no artifact')
      .option('--static-linking', 'write hotswap.static-plugins.ts (plugins compiled into the host) instead of artifacts', false);
  }
  return command;
}

/** Turns parsed flags into build options. */
export function buildOptions(pluginDir: string, outputDir: string, bundlerFlags: string[], flags: BuildFlags): BuildOptions {
  const options: BuildOptions = {
    pluginDir,
    outputDir,
    shared: flags.shared,
    debug: flags.debug,
    write: flags.bundle !== false,
    leaveTemps: flags.leaveTemps,
    livePrefix: flags.livePrefix,
    staticLinking: flags.staticLinking === true,
    bundlerFlags,
  };
  if (flags.include !== undefined) options.include = regex(flags.include, '--include');
  if (flags.exclude !== undefined) options.exclude = regex(flags.exclude, '--exclude');
  if (flags.stamp !== undefined) options.buildStamp = flags.stamp;
  if (flags.sign !== undefined) {
    try {
      options.signingKey = readFileSync(flags.sign, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read the signing key ${flags.sign}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return options;
}

/** One line per built plugin: name, version, artifact, size and time. */
export function describePlugin(plugin: BuiltPlugin, verbose: boolean, io: Io): string {
  const { color } = io;
  const size = plugin.bytes >= 1024 ? `${(plugin.bytes / 1024).toFixed(1)} KB` : `${plugin.bytes} B`;
  const shared = plugin.manifest.shared.length > 0 ? color.dim(` shared: ${plugin.manifest.shared.join(', ')}`) : '';
  const live = plugin.manifest.live.length > 0 ? color.dim(` live: ${plugin.manifest.live.join(', ')}`) : '';
  let line = `${color.green('✔')} ${color.bold(plugin.name)} ${plugin.version} → ${relative(process.cwd(), plugin.artifact)} ${color.dim(`(${size}, ${Math.round(plugin.durationMs)} ms)`)}${shared}${live}\n`;
  if (verbose) line += plugin.inputs.map((i) => `    ${color.dim(i)}\n`).join('');
  return line;
}

/** `hotswap build`. */
export function registerBuild(program: Command, io: Io): void {
  buildFlags(
    program
      .command('build')
      .description('Bundle each plugin under <pluginDir> into one artifact in <outputDir>.')
      .argument('<pluginDir>', 'a plugin directory, or a directory of plugin directories')
      .argument('<outputDir>', 'where to write <name>.hotswap.js artifacts')
      .argument('[bundlerFlags...]', 'esbuild flags, after --'),
  )
    .option('--release <root>', 'then make a release of <outputDir> in this release root (see hotswap release)')
    .option('--activate', 'with --release: point the root\'s current link at the new release', false)
    .addHelpText(
      'after',
      `
Examples:
  $ hotswap build plugins bin
  $ hotswap build plugins bin --shared '#g' --include '^world$'
  $ hotswap build plugins/world bin -- --define:GREETING='"hi"' --minify
  $ hotswap build plugins src/generated --static-linking
  $ hotswap build plugins bin --release /srv/app/plugins --activate`,
    )
    .action(async (pluginDir: string, outputDir: string, bundlerFlags: string[], flags: BuildFlags & { release?: string; activate: boolean }) => {
      const options = buildOptions(pluginDir, outputDir, bundlerFlags, flags);
      if (flags.release !== undefined && (options.staticLinking === true || options.write === false)) {
        throw new UsageError('--release makes a release of the artifacts written; it cannot go with --static-linking or --no-bundle.');
      }
      if (flags.activate && flags.release === undefined) throw new UsageError('--activate activates the release that --release makes: give --release <root> too.');
      options.onPlugin = (plugin) => io.out.write(describePlugin(plugin, flags.verbose, io));
      const started = performance.now();
      const result = await build(options);
      if (options.staticLinking === true) {
        io.out.write(
          result.staticTable === undefined
            ? `${io.color.green('✔')} checked the plugins for static linking, wrote nothing\n`
            : `${io.color.green('✔')} wrote ${relative(process.cwd(), result.staticTable)}: import { staticPlugins } from it and pass them to the Swapper\n`,
        );
        return;
      }
      const what = result.written ? `built ${result.plugins.length} plugin(s)` : `checked ${result.plugins.length} plugin(s), wrote nothing`;
      io.out.write(`${io.color.green('✔')} ${what} in ${Math.round(performance.now() - started)} ms, stamp ${result.buildStamp}\n`);
      if (flags.release !== undefined) {
        const made = await createRelease({ root: flags.release, from: outputDir, signingKey: options.signingKey, activate: flags.activate });
        io.out.write(describeRelease({ ...made, root: flags.release }, io));
      }
    });
}

function regex(source: string, flag: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new UsageError(`${flag} ${source} is not a valid regular expression: ${(error as Error).message}`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}
