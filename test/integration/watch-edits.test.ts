// From a saved edit to the new code serving, at default settings: the
// programmatic `hotswap watch` (watchBuild, real esbuild builds) and the
// host's watchPluginDir, with real files and the real file watchers.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { watchBuild, type WatchEvent } from '@hotswap/cli';
import { Swapper, watchPluginDir, type ReloadOutcome } from '@hotswap/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
let stops: Array<() => unknown>;
let outcomes: ReloadOutcome[];
/** What `p` answered after each successful reload, in order. */
let served: string[];
let failures: string[];

const source = (answer: string): string =>
  `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { whoami: () => ${JSON.stringify(answer)} } });\n`;

beforeEach(async () => {
  ws = workspace();
  stops = [];
  outcomes = [];
  served = [];
  failures = [];
  ws.plugin('p', { 'index.ts': source('edit-0') });
  await ws.build();
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  swapper.on('reload:failure', (e) => failures.push(e.code));
});
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  await swapper.close();
  ws.cleanup();
});

async function watching(options: Parameters<typeof watchPluginDir>[1] = {}): Promise<void> {
  const trigger = watchPluginDir(swapper, {
    ...options,
    onReload: (outcome) => {
      outcomes.push(outcome);
      if ('details' in outcome) served.push(String(swapper.current.invoke('p', 'whoami')));
    },
  });
  stops.push(() => trigger.stop());
  await trigger.ready;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const answer = (): unknown => swapper.current.invoke('p', 'whoami');

it('reloads a lone edit at once, without waiting out the burst window', async () => {
  // A window of ten minutes: a watcher that waited for quiet before the first reload would time this test out.
  await watching({ debounceMs: 600_000 });
  ws.plugin('p', { 'index.ts': source('edit-1') });
  await ws.build();
  await until(() => answer() === 'edit-1', 'the lone edit to serve');
  expect(served).toEqual(['edit-1']);
  expect(failures).toEqual([]);
});

it('reloads at once a save that comes just after the burst window, however late the file watcher reports the last one', async () => {
  // Each save is an atomic write: a temporary file, renamed into place. Its removal was reported 100 ms after
  // the rename, so a save one window later looked like part of a burst and waited out the window.
  const windowMs = 400;
  await watching({ debounceMs: windowMs });
  const artifacts: string[] = [];
  for (const edit of ['edit-1', 'edit-2']) {
    ws.plugin('p', { 'index.ts': source(edit) });
    await ws.build({ outputDir: join(ws.root, edit) });
    artifacts.push(readFileSync(join(ws.root, edit, 'p.hotswap.js'), 'utf8'));
  }
  const save = (text: string, n: number): number => {
    const temp = join(ws.bin, `.p.hotswap.js.${process.pid}.${n}.tmp`);
    writeFileSync(temp, text);
    renameSync(temp, join(ws.bin, 'p.hotswap.js'));
    return Date.now();
  };
  const first = save(artifacts[0]!, 1);
  await until(() => answer() === 'edit-1', 'the first save to serve');
  // Past the window after the first save, and within it after the late report of its temporary file.
  await sleep(Math.max(0, first + windowMs + 50 - Date.now()));
  const second = save(artifacts[1]!, 2);
  await until(() => answer() === 'edit-2', 'the second save to serve');
  // Waiting out the window would take windowMs from the second save.
  expect(Date.now() - second).toBeLessThan(windowMs - 50);
  expect(served).toEqual(['edit-1', 'edit-2']);
  expect(failures).toEqual([]);
});

it('never loads a half-written artifact, written in place without a rename', async () => {
  await watching();
  ws.plugin('p', { 'index.ts': source('edit-1') });
  await ws.build({ write: true, outputDir: join(ws.root, 'staging') });
  const whole = readFileSync(join(ws.root, 'staging', 'p.hotswap.js'), 'utf8');
  const file = await open(join(ws.bin, 'p.hotswap.js'), 'w');
  await file.write(whole.slice(0, Math.floor(whole.length / 2)));
  await file.sync();
  // The watcher has seen the truncation and the first half; nothing of it loads.
  await sleep(500);
  expect(outcomes).toEqual([]);
  expect(answer()).toBe('edit-0');
  await file.write(whole.slice(Math.floor(whole.length / 2)));
  await file.close();
  await until(() => answer() === 'edit-1', 'the whole artifact to serve');
  expect(served).toEqual(['edit-1']);
  expect(failures).toEqual([]);
});

it('ends a burst of saves through hotswap watch serving the last one, never going back to an older one', async () => {
  await watching();
  const builds: WatchEvent[] = [];
  const build = watchBuild({ pluginDir: ws.src, outputDir: ws.bin, onBuild: (event) => builds.push(event) });
  stops.push(() => build.stop());
  await build.ready;
  await until(() => served.length > 0 || builds.length > 0, 'the first build');
  const saves = 8;
  for (let i = 1; i <= saves; i++) {
    writeFileSync(join(ws.src, 'p', 'index.ts'), source(`edit-${i}`));
    await sleep(3);
  }
  await until(() => answer() === `edit-${saves}`, 'the last save to serve');
  await sleep(300);
  expect(answer()).toBe(`edit-${saves}`);
  expect(failures).toEqual([]);
  expect(builds.filter((b) => b.kind === 'failed')).toEqual([]);
  // Each reload served a save at least as new as the one before it.
  const order = served.filter((s) => s !== 'edit-0').map((s) => Number(s.slice('edit-'.length)));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(order.at(-1)).toBe(saves);
});
