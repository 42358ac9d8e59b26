// Memory per reload, Vite's module runner with HMR: a dev server (no file
// watcher, no HTTP) and `createServerModuleRunner`; each version is a save of
// the plugin file followed by `environment.reloadModule()`, which sends the
// HMR update the module accepts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';
import { esmBigPlugin, marker, scratch } from '../lib/fixture.js';
import { runLoop, within, type MemoryConfig } from '../lib/memory-loop.js';
import { config, installServe, installTracker, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<MemoryConfig>();
  const tracker = installTracker();
  const served = installServe();
  const dir = scratch();
  const file = join(dir.root, 'plugin.ts');
  writeFileSync(file, esmBigPlugin(0, true));
  const server = await createServer({
    root: dir.root,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  const environment = server.environments.ssr;
  const runner = createServerModuleRunner(environment, { hmr: { logger: false } });
  await runner.import('/plugin.ts');
  if (served.current()?.value() !== marker(0)) throw new Error('version 0 is not serving');
  const node = environment.moduleGraph.getModuleById(file);
  if (node === undefined) throw new Error(`vite has no module ${file}`);
  const result = await runLoop(
    {
      name: 'vite module runner',
      async reloadTo(n) {
        const next = served.next();
        writeFileSync(file, esmBigPlugin(n, true));
        await environment.reloadModule(node);
        const api = await within(next, 10_000, `vite HMR update to version ${n}`);
        if (api.value() !== marker(n)) throw new Error(`version ${n} is not serving`);
      },
    },
    cfg,
    tracker,
  );
  await runner.close();
  await server.close();
  dir.cleanup();
  return result;
});
