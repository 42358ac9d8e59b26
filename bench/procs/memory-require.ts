// Memory per reload, `require` after `delete require.cache[file]`: the old
// module stays in its parent's `module.children`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cjsBigPlugin, marker, scratch } from '../lib/fixture.js';
import { runLoop, type MemoryConfig } from '../lib/memory-loop.js';
import { config, installServe, installTracker, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<MemoryConfig>();
  const tracker = installTracker();
  const served = installServe();
  const dir = scratch();
  const file = join(dir.root, 'plugin.cjs');
  const require = createRequire(join(dir.root, 'host.cjs'));
  const load = (n: number): void => {
    writeFileSync(file, cjsBigPlugin(n));
    delete require.cache[file];
    const mod = require(file) as { value(): string };
    if (mod.value() !== marker(n) || served.current()?.value() !== marker(n)) throw new Error(`version ${n} is not serving`);
  };
  load(0);
  const result = await runLoop({ name: 'require + delete require.cache', reloadTo: load }, cfg, tracker);
  dir.cleanup();
  return result;
});
