// Edit to serving, Vite's module runner with HMR: a dev server watching the
// plugin's directory and `createServerModuleRunner`; save the TypeScript
// source and wait for the accepted hot update to serve.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, createServerModuleRunner } from 'vite';
import { editLoop, type EditConfig } from '../lib/edit-loop.js';
import { esmBigPlugin, marker, scratch } from '../lib/fixture.js';
import { within } from '../lib/memory-loop.js';
import { config, installServe, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<EditConfig>();
  const served = installServe();
  const dir = scratch();
  const file = join(dir.root, 'plugin.ts');
  writeFileSync(file, esmBigPlugin(0, true));
  const server = await createServer({
    root: dir.root,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await new Promise<void>((resolve) => server.watcher.once('ready', () => resolve()));
  const runner = createServerModuleRunner(server.environments.ssr, { hmr: { logger: false } });
  await runner.import('/plugin.ts');
  if (served.current()?.value() !== marker(0)) throw new Error('version 0 is not serving');
  const save = (n: number): void => writeFileSync(file, esmBigPlugin(n, true));
  const result = await editLoop(
    'vite module runner (HMR)',
    cfg,
    async (n) => {
      const serving = async (): Promise<void> => {
        // After a burst, updates of its earlier saves may serve first.
        for (;;) {
          const next = served.next();
          if (served.current()?.value() === marker(n)) return;
          if ((await next).value() === marker(n)) return;
        }
      };
      const done = within(serving(), cfg.timeoutMs, `vite HMR update to version ${n}`);
      save(n);
      await done;
    },
    save,
  );
  await runner.close();
  await server.close();
  dir.cleanup();
  return result;
});
