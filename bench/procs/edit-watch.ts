// Edit to serving, `hotswap watch`: the CLI runs in its own process and
// rebuilds the plugin when its source is saved; this host watches the
// artifact directory with `watchPluginDir` and reloads. Timed from the save
// to a call answering the new version.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from '@hotswap/cli';
import { Swapper, watchPluginDir, type WatchOptions } from '@hotswap/core';
import { editLoop, type EditConfig } from '../lib/edit-loop.js';
import { marker, oursBigPlugin, scratch } from '../lib/fixture.js';
import { within } from '../lib/memory-loop.js';
import { config, runChild } from '../lib/proc.js';

export interface WatchEditConfig extends EditConfig {
  /** The host's `watchPluginDir` debounce; undefined for its default. */
  hostDebounceMs?: number;
  label: string;
}

const cli = join(dirname(createRequire(import.meta.url).resolve('@hotswap/cli/package.json')), 'bin', 'hotswap.js');

runChild(async () => {
  const cfg = config<WatchEditConfig>();
  const dir = scratch();
  const pluginDir = dir.plugin('big', { 'index.ts': oursBigPlugin(0) });
  await build({ pluginDir: dir.src, outputDir: dir.bin });

  const watcher = spawn(process.execPath, [cli, 'watch', dir.src, dir.bin], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  createInterface({ input: watcher.stderr }).on('line', (line) => output.push(line));
  await within(
    new Promise<void>((resolve, reject) => {
      createInterface({ input: watcher.stdout }).on('line', (line) => {
        output.push(line);
        if (/watching .*Ctrl-C/.test(line)) resolve();
      });
      watcher.once('exit', (code) => reject(new Error(`hotswap watch exited with ${code}: ${output.join('\n')}`)));
    }),
    60_000,
    'hotswap watch start',
  );

  const swapper = new Swapper<{ plugins: { big: { functions: { value(): string } } } }>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  const big = swapper.handle('big');
  let waiting: { n: number; resolve: () => void } | undefined;
  const options: WatchOptions = {
    onReload: () => {
      if (waiting !== undefined && big.invoke('value') === marker(waiting.n)) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    },
  };
  if (cfg.hostDebounceMs !== undefined) options.debounceMs = cfg.hostDebounceMs;
  const trigger = watchPluginDir(swapper, options);
  await trigger.ready;

  const save = (n: number): void => writeFileSync(join(pluginDir, 'index.ts'), oursBigPlugin(n));
  const result = await editLoop(
    cfg.label,
    cfg,
    async (n) => {
      const served = new Promise<void>((resolve) => (waiting = { n, resolve }));
      save(n);
      await within(served, cfg.timeoutMs, `hotswap watch: version ${n}`);
    },
    save,
  );
  trigger.stop();
  watcher.kill('SIGTERM');
  await new Promise((resolve) => (watcher.exitCode === null ? watcher.once('exit', resolve) : resolve(undefined)));
  await swapper.close();
  dir.cleanup();
  return result;
});
