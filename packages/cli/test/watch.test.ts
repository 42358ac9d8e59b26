// watchBuild() on real files: rebuilds follow the user's --include and --exclude.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchBuild, type BuildWatcher, type WatchEvent } from '@hotswap/cli';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

let ws: Workspace;
let watcher: BuildWatcher | undefined;
beforeEach(() => {
  ws = workspace();
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  ws.cleanup();
});

const source = (answer: string): string =>
  `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { whoami: () => ${JSON.stringify(answer)} } });\n`;

/** Starts a watch that records every build's plugin names; `next(n)` resolves once n builds are reported. */
function watchWith(filters: { include?: RegExp; exclude?: RegExp }): { built: string[][]; next(count: number): Promise<void> } {
  const built: string[][] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  const onBuild = (event: WatchEvent): void => {
    built.push(event.kind === 'built' ? event.plugins.map((p) => p.name) : [`failed: ${String(event.error)}`]);
    for (const w of waiting.filter((w) => built.length >= w.count)) w.resolve();
  };
  watcher = watchBuild({ pluginDir: ws.src, outputDir: ws.bin, debounceMs: 20, onBuild, ...filters });
  return {
    built,
    next: (count) => new Promise<void>((resolve) => (built.length >= count ? resolve() : waiting.push({ count, resolve }))),
  };
}

it('rebuilds only the changed plugins that --include allows', async () => {
  for (const name of ['alpha', 'beta']) ws.plugin(name, { 'index.ts': source(`${name} 1`) });
  const watch = watchWith({ include: /^alpha$/ });
  await watcher!.ready;
  expect(watch.built).toEqual([['alpha']]);
  // beta is saved first: if it were rebuilt, its artifact would appear, alone or with alpha's rebuild.
  writeFileSync(join(ws.src, 'beta', 'index.ts'), source('beta 2'));
  writeFileSync(join(ws.src, 'alpha', 'index.ts'), source('alpha 2'));
  while (!readFileSync(join(ws.bin, 'alpha.hotswap.js'), 'utf8').includes('alpha 2')) await watch.next(watch.built.length + 1);
  expect(watch.built.slice(1).flat().every((name) => name === 'alpha')).toBe(true);
  expect(existsSync(join(ws.bin, 'beta.hotswap.js'))).toBe(false);
});

it('never rebuilds a plugin --exclude leaves out, and keeps --include for the others', async () => {
  for (const name of ['alpha', 'beta', 'gamma']) ws.plugin(name, { 'index.ts': source(`${name} 1`) });
  const watch = watchWith({ include: /^(alpha|beta)$/, exclude: /^beta$/ });
  await watcher!.ready;
  expect(watch.built).toEqual([['alpha']]);
  for (const name of ['gamma', 'beta', 'alpha']) writeFileSync(join(ws.src, name, 'index.ts'), source(`${name} 2`));
  while (!readFileSync(join(ws.bin, 'alpha.hotswap.js'), 'utf8').includes('alpha 2')) await watch.next(watch.built.length + 1);
  expect(watch.built.slice(1).flat().every((name) => name === 'alpha')).toBe(true);
  expect(existsSync(join(ws.bin, 'beta.hotswap.js'))).toBe(false);
  expect(existsSync(join(ws.bin, 'gamma.hotswap.js'))).toBe(false);
});
