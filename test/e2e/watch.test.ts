// Edit to serving: `hotswap watch` rebuilds a plugin when its source is
// saved, and a host watching the output directory serves the new code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { start, type Child } from '../helpers/child.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let ws: Workspace;
const children: Child[] = [];
beforeEach(() => {
  ws = workspace();
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  ws.cleanup();
});

const source = (answer: string): string =>
  `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { whoami: () => ${JSON.stringify(answer)} } });\n`;

it('serves each saved edit: hotswap watch rebuilds, the host reloads (20 edits)', async () => {
  ws.plugin('p', { 'index.ts': source('edit-0') });
  const watcher = start(process.execPath, [join(root, 'packages/cli/bin/hotswap.js'), 'watch', ws.src, ws.bin], { cwd: root });
  children.push(watcher);
  await watcher.waitFor(/watching .* \(Ctrl-C to stop\)/, 30_000);
  const host = start(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/watch-host.ts'), ws.bin], { cwd: root });
  children.push(host);
  await host.waitFor(/^serving edit-0$/, 30_000);

  const times: number[] = [];
  for (let i = 1; i <= 20; i++) {
    const from = host.lines.length;
    const saved = performance.now();
    writeFileSync(join(ws.src, 'p', 'index.ts'), source(`edit-${i}`));
    await host.waitFor(new RegExp(`^serving edit-${i}$`), 15_000, from).catch((error: unknown) => {
      throw new Error(`${String(error)}\nthe watcher printed:\n${watcher.lines.join('\n')}`);
    });
    times.push(performance.now() - saved);
    await new Promise((r) => setTimeout(r, 30));
  }
  times.sort((a, b) => a - b);
  console.log(`edit to serving over 20 edits: median ${times[10]!.toFixed(0)} ms, max ${times[19]!.toFixed(0)} ms`);
  expect(watcher.lines.filter((l) => /✔ p 1\.0\.0 → /.test(l)).length).toBeGreaterThanOrEqual(21);

  // A broken save is reported by the watcher; the host keeps serving the last good build.
  const before = host.lines.length;
  writeFileSync(join(ws.src, 'p', 'index.ts'), 'export default definePlugin({ functions: { whoami: () => ; } });');
  await watcher.waitFor(/HOTSWAP_BUILD_FAILED/, 15_000, 0);
  await new Promise((r) => setTimeout(r, 300));
  // (A watcher may reload the last good build once more, from the events of its own write: it still serves edit-20.)
  expect(host.lines.slice(before).filter((l) => l !== 'serving edit-20')).toEqual([]);

  watcher.kill('SIGTERM');
  expect(await watcher.exited).toBe(0);
  host.kill('SIGTERM');
  expect(await host.exited).toBe(0);
}, 120_000);
