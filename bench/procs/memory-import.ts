// Memory per reload, `import()` with a cache-busting query: every version is
// a new URL, so a new module record in Node's ESM cache.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { esmBigPlugin, marker, scratch } from '../lib/fixture.js';
import { runLoop, type MemoryConfig } from '../lib/memory-loop.js';
import { config, installServe, installTracker, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<MemoryConfig>();
  const tracker = installTracker();
  const served = installServe();
  const dir = scratch();
  const file = join(dir.root, 'plugin.mjs');
  const url = pathToFileURL(file).href;
  const load = async (n: number): Promise<void> => {
    writeFileSync(file, esmBigPlugin(n));
    const mod = (await import(`${url}?v=${n}`)) as { value(): string };
    if (mod.value() !== marker(n) || served.current()?.value() !== marker(n)) throw new Error(`version ${n} is not serving`);
  };
  await load(0);
  const result = await runLoop({ name: 'import(?v=)', reloadTo: load }, cfg, tracker);
  dir.cleanup();
  return result;
});
