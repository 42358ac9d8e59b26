// A build made under a permissive umask (002, the default of many desktop
// users) must still load: the host refuses artifacts and plugin directories
// that others may write, so the build sets its modes itself.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Swapper } from '@hotswap/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let umask: number;
beforeEach(() => {
  ws = workspace();
  umask = process.umask(0o002);
});
afterEach(() => {
  process.umask(umask);
  ws.cleanup();
});

it('builds artifacts 0644 in a new 0755 directory under umask 002, and a host loads them', async () => {
  ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { whoami: () => 'p' } });\n` });
  await ws.build();
  expect(statSync(ws.bin).mode & 0o777).toBe(0o755);
  expect(statSync(join(ws.bin, 'p.hotswap.js')).mode & 0o777).toBe(0o644);
  const swapper = new Swapper({ pluginDir: ws.bin, logger: false });
  await swapper.load(undefined);
  expect(swapper.current.invoke('p', 'whoami')).toBe('p');
  await swapper.close();
});
