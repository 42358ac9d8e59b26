// The status page in real headless Chromium: it shows the serving build,
// reloads from its button, and follows the old version to retiring and
// freed as the server pushes each change. Saves the screenshot docs/ shows.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdminHandler, Swapper } from '@hotswap/core';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const token = 'a-test-token-of-sufficient-length';
const SCREENSHOT = fileURLToPath(new URL('../../docs/images/status-page.png', import.meta.url));

const greeter = (greeting: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { greet: (name: string) => ${JSON.stringify(greeting)} + ', ' + name } });`;
const clock = `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { now: () => Date.now() } });`;

// A version of clock that needs a plugin nobody built: the reload fails, and says so without a path.
const broken = `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ import: { tz: '^1.0.0' }, functions: { now: () => 0 } });`;

let ws: Workspace;
let swapper: Swapper;
let server: Server;
let browser: Browser;
let page: Page;
let url: string;
const errors: string[] = [];

beforeAll(async () => {
  ws = workspace();
  ws.plugin('greeter', { 'index.ts': greeter('hello') });
  ws.plugin('clock', { 'index.ts': clock }, '2.1.0');
  await ws.build({ buildStamp: 'build-1' });
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  const admin = createAdminHandler(swapper, { token, prefix: '/hotswap' });
  server = createServer((req, res) => (req.url?.startsWith('/hotswap') === true ? admin(req, res) : res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hotswap/`;
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.setViewport({ width: 1280, height: 760 });
});
afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await swapper?.close();
  ws?.cleanup();
});

/** The text of the element `selector` selects. */
const text = (selector: string): Promise<string | null> => page.$eval(selector, (e: { textContent: string | null }) => e.textContent);

/** Waits until the page shows `build` of `plugin` in `state`. */
const shows = (plugin: string, build: string, state: string): Promise<unknown> =>
  page.waitForSelector(`#versions tr[data-plugin="${plugin}"][data-build="${build}"][data-state="${state}"]`, { timeout: 10_000 });

it('asks for the token when none is given, and takes it from the fragment without keeping it in the address', async () => {
  await page.goto(url);
  await page.waitForSelector('#login:not([hidden])');
  await page.goto(`${url}#token=${token}`);
  await shows('greeter', 'build-1', 'serving');
  expect(page.url()).toBe(url);
  expect(await text('#generation')).toBe('1');
  await page.waitForSelector('#conn.live');
});

it('reloads from its button and follows the old version to retiring and freed', async () => {
  ws.plugin('greeter', { 'index.ts': greeter('hi') }, '1.1.0');
  await ws.build({ buildStamp: 'build-2' });
  // A request still running on generation 1 keeps its versions retiring until it ends.
  const release = swapper.current.hold();
  await page.click('#reload');
  await shows('greeter', 'build-2', 'serving');
  expect(await text('#generation')).toBe('2');
  await shows('greeter', 'build-1', 'retiring');
  await page.waitForSelector('#history tr[data-generation="2"][data-outcome="success"]');
  release();
  await shows('greeter', 'build-1', 'freed');
  expect(swapper.current.invoke('greeter', 'greet', 'you')).toBe('hi, you');
});

it('shows a failed reload in the history and the heap over time, and saves the screenshot', async () => {
  ws.plugin('clock', { 'index.ts': broken }, '2.2.0');
  await ws.build({ buildStamp: 'build-3' });
  await page.click('#reload');
  await page.waitForSelector('#history tr[data-outcome="failure"]');
  expect(await text('#reload-result')).toContain('HOTSWAP_DEP_UNKNOWN');
  // The failed reload changed nothing: build 2 serves on.
  await shows('clock', 'build-2', 'serving');
  await page.waitForSelector('#heap polyline.line');
  const shot = join(ws.root, 'status-page.png');
  await page.screenshot({ path: shot });
  expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  // The picture in docs/ changes with every run (times, heap): it is written when missing, or on request.
  expect(errors).toEqual([]);
  if (!existsSync(SCREENSHOT) || process.env['UPDATE_SCREENSHOTS'] === '1') copyFileSync(shot, SCREENSHOT);
});

it('shows a running canary with both sides counted as calls arrive, and promotes it from its button', async () => {
  ws.plugin('clock', { 'index.ts': clock }, '2.3.0');
  await ws.build({ buildStamp: 'build-4', include: /^clock$/ });
  const canary = await swapper.canary({ weight: 0.5, rules: { auto: false } });
  await page.waitForSelector('#canary:not([hidden])', { timeout: 10_000 });
  for (let i = 0; i < 200; i++) swapper.current.invoke('clock', 'now');
  // The page refreshes the counts on its own while the canary runs.
  // A string, run in the page: the test's own types know no DOM.
  const counted = `(() => {
    const cell = (side) => Number(document.querySelector('#canary-sides tr[data-side="' + side + '"] td:nth-child(3)')?.textContent ?? '0');
    return cell('canary') + cell('baseline') >= 200 && cell('canary') > 0 && cell('baseline') > 0;
  })()`;
  await page.waitForFunction(counted, { timeout: 10_000 });
  expect(await text('#canary-summary')).toContain(`generation ${canary.generation} serves 50% of the work`);
  expect(await text('#canary-verdict')).toMatch(/^verdict: pending/);
  await page.click('#canary-promote');
  await page.waitForSelector('#canary[hidden]', { timeout: 10_000 });
  expect(await text('#reload-result')).toContain(`canary promoted: generation ${canary.generation} serving`);
  expect((await canary.settled).state).toBe('promoted');
  await shows('clock', 'build-4', 'serving');
  expect(errors).toEqual([]);
});
