// watchBuild() on real files: rebuilds follow the user's --include and --exclude.
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

const until = async (check: () => boolean, what: string, ms = 15_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const served = (name: string): string | undefined => {
  const path = join(ws.bin, `${name}.hotswap.js`);
  return existsSync(path) ? /\(\) => "([ab]\d)"/.exec(readFileSync(path, 'utf8'))?.[1] : undefined;
};

it('a plugin that was fine in a failed first build is written with the build after the fix', async () => {
  ws.plugin('a', { 'index.ts': source('a1') });
  ws.plugin('b', { 'index.ts': 'export default definePlugin({ broken' });
  const w = watchWith({});
  await w.next(1);
  await watcher!.ready;
  expect(w.built[0]![0]).toMatch(/^failed/);
  expect(served('a')).toBeUndefined();
  writeFileSync(join(ws.src, 'b', 'index.ts'), source('b1'));
  await w.next(2);
  expect(w.built[1]).toEqual(['a', 'b']);
  expect([served('a'), served('b')]).toEqual(['a1', 'b1']);
});

it('builds again every plugin whose artifact was deleted from the output directory, with the next save', async () => {
  ws.plugin('a', { 'index.ts': source('a1') });
  ws.plugin('b', { 'index.ts': source('b1') });
  const w = watchWith({});
  await w.next(1);
  await watcher!.ready;
  rmSync(ws.bin, { recursive: true });
  writeFileSync(join(ws.src, 'a', 'index.ts'), source('a2'));
  await w.next(2);
  expect(w.built[1]).toEqual(['a', 'b']);
  expect([served('a'), served('b')]).toEqual(['a2', 'b1']);
});

it('watches the plugin directory again when it is deleted and made again, and builds it whole', async () => {
  ws.plugin('a', { 'index.ts': source('a1') });
  const w = watchWith({});
  await w.next(1);
  await watcher!.ready;
  rmSync(ws.src, { recursive: true });
  await new Promise((r) => setTimeout(r, 400));
  ws.plugin('a', { 'index.ts': source('a2') });
  await until(() => served('a') === 'a2', 'the build of the directory made again');
  writeFileSync(join(ws.src, 'a', 'index.ts'), source('a3'));
  await until(() => served('a') === 'a3', 'a save in the directory made again');
});

it('a plugin directory removed while watching builds nothing and reports no failure', async () => {
  ws.plugin('a', { 'index.ts': source('a1') });
  ws.plugin('b', { 'index.ts': source('b1') });
  const w = watchWith({});
  await w.next(1);
  await watcher!.ready;
  rmSync(join(ws.src, 'b'), { recursive: true });
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(join(ws.src, 'a', 'index.ts'), source('a2'));
  await w.next(2);
  expect(w.built).toEqual([['a', 'b'], ['a']]);
});

it('watches one plugin reached through a symbolic link, its output inside it, and rebuilds it on a save', async () => {
  ws.plugin('a', { 'index.ts': source('a1') });
  const link = join(ws.root, 'linked');
  symlinkSync(join(ws.src, 'a'), link);
  const outputDir = join(link, 'out');
  const builds: string[] = [];
  watcher = watchBuild({ pluginDir: link, outputDir, debounceMs: 20, onBuild: (e) => builds.push(e.kind) });
  await watcher.ready;
  expect(builds).toEqual(['built']);
  const artifact = join(outputDir, 'linked.hotswap.js');
  writeFileSync(join(link, 'index.ts'), source('a2'));
  await until(() => existsSync(artifact) && readFileSync(artifact, 'utf8').includes('"a2"'), 'the rebuild after the save');
  // Its own output does not set it off again: one build per save.
  await new Promise((r) => setTimeout(r, 300));
  expect(builds).toEqual(['built', 'built']);
});
