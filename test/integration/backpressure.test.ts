// Reload backpressure: triggers that fire faster than reloads run share one
// reload waiting behind the running one, with real triggers (a signal, the
// signal file, the watcher, the admin endpoint), real files and sockets.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeArtifact,
  encodeArtifact,
  reloadOnSignal,
  reloadOnSignalFile,
  serveAdmin,
  Swapper,
  watchPluginDir,
  type ReloadDetails,
  type Trigger,
} from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

const token = 'a-test-token-of-sufficient-length';
let ws: Workspace;
let swapper: Swapper;
let stops: Array<() => unknown>;
/** Opens the gate every OnLoad waits on; made anew for each test, shut. */
let open: () => void;
let gate: { wait(): Promise<void> };
let started: number[];
/** The artifact as first built, answering "v1". */
let original: string;

const plugin = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
import { gate } from 'test-gate';
export default definePlugin({ onLoad: () => gate.wait(), functions: { whoami: () => ${JSON.stringify(label)} } });`;

beforeEach(async () => {
  ws = workspace();
  stops = [];
  started = [];
  let opened = (): void => {};
  const shut = new Promise<void>((r) => (opened = r));
  open = opened;
  gate = { wait: () => shut };
  ws.plugin('p', { 'index.ts': plugin('v1') });
  await ws.build({ shared: ['test-gate'], buildStamp: 'b1' });
  original = readFileSync(join(ws.bin, 'p.hotswap.js'), 'utf8');
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-gate': { gate: { wait: () => gate.wait() } } }, logger: false, freeDelay: 0 });
  const loading = swapper.load(undefined);
  open();
  await loading;
  swapper.on('reload:start', (e) => started.push(e.generation));
});
afterEach(async () => {
  open();
  for (const stop of stops.reverse()) await stop();
  await swapper.close();
  ws.cleanup();
});

/** Shuts the gate again: the next reload waits in its OnLoad until `open()`. */
function shut(): void {
  let opened = (): void => {};
  const closed = new Promise<void>((r) => (opened = r));
  open = opened;
  gate = { wait: () => closed };
}

const artifact = (): string => join(ws.bin, 'p.hotswap.js');
/** Writes the artifact again, atomically, re-stamped as `stamp`, answering `stamp`. */
function publish(stamp: string): void {
  const built = decodeArtifact(original, artifact());
  const { hash: _h, format: _f, ...manifest } = built.manifest;
  const temp = join(ws.bin, `.p.${stamp}.tmp`);
  writeFileSync(temp, encodeArtifact({ ...manifest, buildStamp: stamp }, built.code.replace('"v1"', JSON.stringify(stamp))).text);
  // Renamed into place, as hotswap build does.
  renameSync(temp, artifact());
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
function track(trigger: Trigger): void {
  stops.push(() => trigger.stop());
}

describe('swapper.requestReload()', () => {
  it('in a loop that never waits, makes one reload after the running one, and each request is answered by a reload that started after it', async () => {
    shut();
    publish('held');
    const first = swapper.requestReload();
    await until(() => started.length === 1, 'the first reload to start');
    const asked: Array<Promise<ReloadDetails>> = [];
    for (let i = 0; i < 200; i++) asked.push(swapper.requestReload());
    // Every request made while one waits joins it: the very same promise.
    expect(new Set(asked).size).toBe(1);
    open();
    const details = await Promise.all([first, ...asked]);
    expect(started).toEqual([2, 3]);
    expect(details.map((d) => d.generation)).toEqual([2, ...asked.map(() => 3)]);
    expect(swapper.reloadCounter).toBe(2);
  });

  it('folds a rollback into the waiting reload, and leaves direct reload() calls one each', async () => {
    shut();
    publish('held');
    const first = swapper.requestReload();
    await until(() => started.length === 1, 'the first reload to start');
    const plain = swapper.requestReload();
    const rollback = swapper.requestReload({ rollback: true });
    expect(rollback).toBe(plain);
    const direct = [swapper.reload(), swapper.reload()];
    open();
    await Promise.all([first, plain, ...direct]);
    // The waiting request, then the two direct calls, each its own reload.
    expect(started).toEqual([2, 3, 4, 5]);
  });
});

describe('real triggers firing in a loop', () => {
  it('a signal, the signal file, the watcher and the admin endpoint, fired while a reload runs, cost one reload after it', async () => {
    const signalFile = join(ws.root, 'reload.signal');
    const signal = reloadOnSignal(swapper, { signal: 'SIGUSR2' });
    track(signal);
    const filed = reloadOnSignalFile(swapper, { path: signalFile });
    track(filed);
    await filed.ready;
    const watcher = watchPluginDir(swapper);
    track(watcher);
    await watcher.ready;
    const admin = await serveAdmin(swapper, { token, coalesceMs: 0 });
    stops.push(() => admin.close());

    shut();
    // The watcher's reload of this one waits in its OnLoad until the gate opens.
    publish('held');
    await until(() => started.length === 1, 'the held reload to start');
    const answers: Array<Promise<Response>> = [];
    for (let i = 1; i <= 10; i++) {
      process.kill(process.pid, 'SIGUSR2');
      writeFileSync(signalFile, '');
      await until(() => !existsSync(signalFile), 'the signal file to be taken');
      publish(`loop-${i}`);
      answers.push(fetch(`${admin.url}/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }));
      await sleep(20);
    }
    // The last artifact is in place before the reload that answers them all starts.
    open();
    const bodies = (await Promise.all(answers.map(async (a) => (await a).json()))) as Array<{ ok: boolean; details: ReloadDetails }>;
    await until(() => swapper.current.find('p')?.buildStamp === 'loop-10', 'the last artifact to serve');
    await sleep(300);
    expect(bodies.every((b) => b.ok)).toBe(true);
    // Forty firings while the held reload ran: one reload waited behind it. (An admin request still on its way
    // once the gate opened, on a busy machine, may start one more; each trigger queueing its own would make five or more.)
    expect(started.slice(0, 2)).toEqual([2, 3]);
    expect(started.length).toBeLessThanOrEqual(3);
    expect(bodies.every((b) => b.details.generation >= 3)).toBe(true);
    expect(swapper.current.invoke('p', 'whoami')).toBe('loop-10');
  });
});
