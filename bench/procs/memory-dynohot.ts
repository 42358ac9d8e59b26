// Memory per reload, dynohot: run under its loader (`--import` of
// dynohot-register); each version is a save of the plugin file, picked up by
// dynohot's file watcher and applied as a hot update the module accepts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { esmBigPlugin, marker, scratch } from '../lib/fixture.js';
import { runLoop, within, type MemoryConfig } from '../lib/memory-loop.js';
import { config, installServe, installTracker, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<MemoryConfig>();
  const tracker = installTracker();
  const served = installServe();
  const dir = scratch();
  writeFileSync(join(dir.root, 'package.json'), JSON.stringify({ type: 'module' }));
  const file = join(dir.root, 'plugin.mjs');
  writeFileSync(file, esmBigPlugin(0));
  await import(pathToFileURL(file).href);
  if (served.current()?.value() !== marker(0)) throw new Error('version 0 is not serving');
  let resaved = 0;
  const result = await runLoop(
    {
      name: 'dynohot',
      async reloadTo(n) {
        const next = served.next();
        writeFileSync(file, esmBigPlugin(n));
        let api;
        try {
          api = await within(next, 5_000, `dynohot update to version ${n}`);
        } catch {
          // Its watcher missed the save (it happens, rarely, when the machine is busy): save again, as a user would.
          resaved++;
          writeFileSync(file, esmBigPlugin(n));
          api = await within(next, 10_000, `dynohot update to version ${n}, saved twice`);
        }
        if (api.value() !== marker(n)) throw new Error(`version ${n} is not serving`);
      },
    },
    cfg,
    tracker,
  );
  dir.cleanup();
  return { ...result, resaved };
});
