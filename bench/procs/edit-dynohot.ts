// Edit to serving, dynohot: the host runs under dynohot's loader; save the
// plugin (an ES module: dynohot runs JavaScript unless another loader is
// chained) and wait for the accepted hot update to serve.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { editLoop, type EditConfig } from '../lib/edit-loop.js';
import { esmBigPlugin, marker, scratch } from '../lib/fixture.js';
import { within } from '../lib/memory-loop.js';
import { config, installServe, runChild } from '../lib/proc.js';

runChild(async () => {
  const cfg = config<EditConfig>();
  const served = installServe();
  const dir = scratch();
  writeFileSync(join(dir.root, 'package.json'), JSON.stringify({ type: 'module' }));
  const file = join(dir.root, 'plugin.mjs');
  writeFileSync(file, esmBigPlugin(0));
  await import(pathToFileURL(file).href);
  if (served.current()?.value() !== marker(0)) throw new Error('version 0 is not serving');
  const result = await editLoop('dynohot', cfg, async (n) => {
    const next = served.next();
    writeFileSync(file, esmBigPlugin(n));
    const api = await within(next, cfg.timeoutMs, `dynohot update to version ${n}`);
    if (api.value() !== marker(n)) throw new Error(`version ${n} is not serving`);
  });
  dir.cleanup();
  return result;
});
