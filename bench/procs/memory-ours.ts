// Memory per reload, hotswap: the plugin built once by `build()`, then each
// version written as a re-stamped artifact and swapped in by `reload()`.
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { marker, oursBigPlugin, scratch } from '../lib/fixture.js';
import { restamper } from '../lib/restamp.js';
import { runLoop, type MemoryConfig } from '../lib/memory-loop.js';
import { config, installTracker, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<MemoryConfig>();
  const tracker = installTracker();
  const dir = scratch();
  dir.plugin('big', { 'index.ts': oursBigPlugin(0) });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const artifact = restamper(join(dir.bin, 'big.hotswap.js'));
  const swapper = new Swapper<{ plugins: { big: { functions: { value(): string; size(): number } } } }>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  const big = swapper.handle('big');
  const result = await runLoop(
    {
      name: 'hotswap',
      async reloadTo(n) {
        artifact.write(n);
        await swapper.reload();
        if (big.invoke('value') !== marker(n)) throw new Error(`version ${n} is not serving`);
      },
      settle: () => swapper.settled(),
    },
    cfg,
    tracker,
  );
  await swapper.close();
  dir.cleanup();
  return result;
});
