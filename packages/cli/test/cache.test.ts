// createBuildCache() in a script of its own: a real child process, real esbuild.
import { fileURLToPath } from 'node:url';
import { BuildErrorCodes, createBuildCache } from '@hotswap/cli';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { start, type Child } from '../../../test/helpers/child.js';
import { thrown } from '../../../test/helpers/errors.js';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/cache-script.ts', import.meta.url));
let ws: Workspace;
let child: Child | undefined;
beforeEach(() => {
  ws = workspace();
});
afterEach(async () => {
  child?.kill('SIGKILL');
  await child?.exited;
  ws.cleanup();
});

it('a script that uses a build cache and never disposes it ends on its own, with exit code 0', async () => {
  ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({});` });
  child = start(process.execPath, ['--import', 'tsx', script, ws.src, ws.bin], { cwd: root });
  await child.waitFor(/^built p twice$/, 30_000);
  // A script held open by esbuild never exits: the guard turns that into a failure instead of a hung test.
  let guard: NodeJS.Timeout | undefined;
  const stuck = new Promise<string>((resolve) => (guard = setTimeout(() => resolve('still running'), 30_000)));
  const outcome = await Promise.race([child.exited, stuck]);
  clearTimeout(guard);
  expect(outcome).toBe(0);
  expect(child.lines.filter((l) => l.trim() !== '' && !/^built p twice$/.test(l))).toEqual([]);
}, 90_000);

it('refuses an idleMs below 0 with HOTSWAP_BUILD_BAD_OPTION', () => {
  for (const idleMs of [-1, Number.NaN]) {
    expect(thrown(() => createBuildCache({ idleMs })).code).toBe(BuildErrorCodes.BAD_OPTION);
  }
  expect(() => createBuildCache({ idleMs: Infinity })).not.toThrow();
});
