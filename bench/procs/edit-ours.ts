// Edit to serving, hotswap without watchers: save the plugin's TypeScript
// source, run the programmatic `build()` of @hotswap/cli for that plugin
// (with an incremental build cache, as `hotswap watch` uses), then
// `swapper.reload()`, then call. No file watcher and no debounce: the floor
// under what `hotswap watch` can reach.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, createBuildCache } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { editLoop, type EditConfig } from '../lib/edit-loop.js';
import { marker, oursBigPlugin, scratch } from '../lib/fixture.js';
import { config, now, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<EditConfig>();
  const dir = scratch();
  const pluginDir = dir.plugin('big', { 'index.ts': oursBigPlugin(0) });
  const cache = createBuildCache();
  await build({ pluginDir, outputDir: dir.bin, cache });
  const swapper = new Swapper<{ plugins: { big: { functions: { value(): string } } } }>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  const big = swapper.handle('big');
  const result = await editLoop('hotswap build()+reload()', cfg, async (n) => {
    const t0 = now();
    writeFileSync(join(pluginDir, 'index.ts'), oursBigPlugin(n));
    const t1 = now();
    await build({ pluginDir, outputDir: dir.bin, cache });
    const t2 = now();
    const details = await swapper.reload();
    if (big.invoke('value') !== marker(n)) throw new Error(`version ${n} is not serving`);
    const t3 = now();
    // The plugin's own steps inside the reload: evaluating its bundle (its top-level code) and its hooks.
    const evaluate = details.plugins.find((p) => p.name === 'big')?.timings['evaluate'] ?? Number.NaN;
    return { save: t1 - t0, build: t2 - t1, reload: t3 - t2, evaluate };
  });
  await swapper.close();
  await cache.dispose();
  dir.cleanup();
  return result;
});
