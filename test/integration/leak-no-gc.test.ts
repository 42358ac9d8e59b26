// The leak check in a host process started without --expose-gc, as most are:
// it waits for full collections of V8's own before it judges a version, and
// still names the one a global pins.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../helpers/child.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace();
});
afterEach(() => {
  ws.cleanup();
});

describe('the leak check in a host without --expose-gc', () => {
  it('reports the version a global pins, by plugin and version, and never the one that was only waiting for the collector', async () => {
    const pinned = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
const label = ${JSON.stringify(label)};
// A global the plugin writes to: it keeps this version's code alive after OnFree.
(globalThis as Record<string, unknown>)['pinnedByPlugin' + label] = () => label;
export default definePlugin({ functions: { whoami: () => label } });
`;
    const clean = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => ${JSON.stringify(label)} } });
`;
    ws.plugin('pinned', { 'index.ts': pinned('p1') }, '1.0.0');
    ws.plugin('clean', { 'index.ts': clean('c1') }, '1.0.0');
    await ws.build();
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = start(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/leak-host.ts'), ws.bin], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      await child.waitFor(/^loaded$/, 30_000);
      ws.plugin('pinned', { 'index.ts': pinned('p2') }, '2.0.0');
      ws.plugin('clean', { 'index.ts': clean('c2') }, '2.0.0');
      await ws.build();
      child.process.stdin!.write('reload\n');
      await child.waitFor(/^reloaded$/, 30_000);
      await child.waitFor(/^leak pinned 1\.0\.0$/, 60_000);
      await child.waitFor(/^collected clean 1\.0\.0$/, 60_000);
      expect(child.lines.filter((l) => l.startsWith('leak '))).toEqual(['leak pinned 1.0.0']);
    } finally {
      child.kill('SIGKILL');
      await child.exited;
    }
  }, 90_000);
});
