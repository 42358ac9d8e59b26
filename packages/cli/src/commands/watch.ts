import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { reportError } from '../report.js';
import { watchBuild } from '../watch.js';
import { buildFlags, buildOptions, describePlugin, type BuildFlags } from './build.js';

/** `hotswap watch`: rebuilds plugins as their sources change, until interrupted. */
export function registerWatch(program: Command, io: Io, until: () => Promise<void>): void {
  buildFlags(
    program
      .command('watch')
      .description('Build every plugin, then rebuild a plugin each time one of its sources changes.')
      .argument('<pluginDir>', 'a plugin directory, or a directory of plugin directories')
      .argument('<outputDir>', 'where to write <name>.hotswap.js artifacts')
      .argument('[bundlerFlags...]', 'esbuild flags, after --'),
    true,
  )
    .addHelpText(
      'after',
      `
A host that calls watchPluginDir(swapper) on <outputDir> reloads each new artifact.
Stop with Ctrl-C.

Examples:
  $ hotswap watch plugins bin --shared '#g'`,
    )
    .option('--debounce <ms>', 'quiet time after a change before rebuilding', '10')
    .action(async (pluginDir: string, outputDir: string, bundlerFlags: string[], flags: BuildFlags & { debounce: string }) => {
      const options = buildOptions(pluginDir, outputDir, bundlerFlags, { ...flags, bundle: true });
      const debounceMs = Number(flags.debounce);
      if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new UsageError(`--debounce ${flags.debounce} is not a number of milliseconds.`);
      // Listening for Ctrl-C and SIGTERM from the start: one during the first build stops the watch as cleanly as later.
      const stopping = until();
      const watcher = watchBuild({
        ...options,
        debounceMs,
        onBuild: (event) => {
          const time = io.color.dim(`${new Date().toISOString().slice(11, 19)}`);
          if (event.kind === 'built') {
            for (const plugin of event.plugins) io.out.write(`${time} ${describePlugin(plugin, flags.verbose, io)}`);
          } else {
            io.err.write(`${time} `);
            reportError(event.error, io);
          }
        },
      });
      const first = await Promise.race([watcher.ready.then(() => 'ready' as const), stopping.then(() => 'stopped' as const)]);
      if (first === 'ready') {
        io.out.write(`${io.color.cyan('●')} watching ${pluginDir} → ${outputDir} (Ctrl-C to stop)\n`);
        await stopping;
      }
      await watcher.stop();
    });
}
