// Cluster reloads with real processes: a node:cluster primary and three
// workers, real releases built with esbuild, faults caused for real (a
// throwing OnInit, SIGKILL, a blocked event loop, a release activated
// mid-reload). Either every worker ends on the new release, or every worker
// still serves the old one.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { COMMITTED_FILE, committedReleaseId } from '@hotswap/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { activate, clusterHost, freshDeployment, releaseDir, releaseRoot, restamp, seal, type Aborted, type ClusterHost } from '../helpers/cluster.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const WORKERS = 3;
let ws: Workspace;
let root: { root: string; cleanup: () => void };
let host: ClusterHost | undefined;

/** The handler plugin, with `extra` spliced into its definition. */
const handler = (extra = ''): string => `import { definePlugin } from '@hotswap/core/plugin';
import { worker } from 'cluster-test';
let stamp = '';
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; },
  ${extra}
  functions: {
    stamp: () => stamp,
    handle: async (url: string) => { await new Promise((r) => setImmediate(r)); return stamp + ' ' + url; },
  },
});`;

async function release(id: string, extra = ''): Promise<void> {
  ws.plugin('handler', { 'index.ts': handler(extra) });
  await ws.build({ outputDir: releaseDir(root.root, id), buildStamp: id, shared: ['cluster-test'] });
  seal(root.root, id);
}

beforeAll(async () => {
  ws = workspace();
  root = releaseRoot();
  await release('A');
  await release('B', `onInit() { if (worker === 2) throw new Error('OnInit fails in worker 2'); },`);
  await release('S', `async onInit() { await new Promise((r) => setTimeout(r, 1500)); },`);
  await release('K', `takeState() { if (worker === 2) process.kill(process.pid, 'SIGKILL'); },`);
  restamp(root.root, 'A', 'F');
}, 120_000);
afterAll(() => {
  ws.cleanup();
  root.cleanup();
});
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

/** A new deployment: release A active, nothing committed yet. */
async function started(env: Record<string, string> = {}): Promise<ClusterHost> {
  host = await freshDeployment(root.root, WORKERS, env);
  return host;
}

const serving = (answers: Array<{ release: string; stamp: string }>): string[] => answers.map((a) => `${a.release}/${a.stamp}`);

describe('cluster reloads under faults', () => {
  it('a worker whose OnInit throws in phase 1: every worker aborts, the old release serves everywhere', async () => {
    const h = await started();
    activate(root.root, 'B');
    const outcome = await h.reload();
    if (!('aborted' in outcome)) throw new Error(`expected an abort, got ${JSON.stringify(outcome)}`);
    expect(outcome.aborted.code).toBe('HOTSWAP_CLUSTER_ABORTED');
    expect(outcome.aborted.details.reason).toBe('refused');
    expect(outcome.aborted.details.release).toBe('B');
    const byWorker = Object.fromEntries(outcome.aborted.details.workers.map((w) => [w.worker, w]));
    expect(byWorker[2]?.outcome).toBe('refused');
    expect(byWorker[2]?.error?.code).toBe('HOTSWAP_HOOK_FAILED');
    expect(byWorker[1]?.outcome).toBe('aborted');
    expect(byWorker[3]?.outcome).toBe('aborted');
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
  }, 60_000);

  it('a worker killed during phase 1: every worker aborts; its respawn loads the old release', async () => {
    const h = await started();
    activate(root.root, 'S');
    const from = h.child.lines.length;
    h.send('reload');
    await h.next('w2', 'reload:start', from);
    h.send('kill 2');
    const aborted = await h.next<{ code: string; details: { reason: string; workers: Array<{ worker: number; outcome: string }> } }>('primary', 'aborted', from);
    expect(aborted.code).toBe('HOTSWAP_CLUSTER_ABORTED');
    expect(aborted.details.reason).toBe('died');
    expect(aborted.details.workers.find((w) => w.worker === 2)?.outcome).toBe('died');
    const [respawn] = await h.ready(1, from);
    expect(respawn?.release).toBe('A');
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
  }, 60_000);

  it('a worker killed during phase 2: the others commit; respawned workers load the committed release, not the newest', async () => {
    const h = await started();
    activate(root.root, 'K');
    const from = h.child.lines.length;
    const outcome = await h.reload();
    if (!('committed' in outcome)) throw new Error(`expected a commit, got ${JSON.stringify(outcome)}`);
    expect(outcome.committed.release).toBe('K');
    const byWorker = Object.fromEntries(outcome.committed.workers.map((w) => [w.worker, w.outcome]));
    expect(byWorker).toEqual({ 1: 'committed', 2: 'died', 3: 'committed' });
    const [respawn] = await h.ready(1, from);
    expect(respawn?.release).toBe('K');
    expect(serving(await h.ask())).toEqual(['K/K', 'K/K', 'K/K']);

    // A release activated without a cluster reload is not what a new worker loads.
    activate(root.root, 'F');
    const later = h.child.lines.length;
    h.send('kill 1');
    const [again] = await h.ready(1, later);
    expect(again?.release).toBe('K');
    expect(serving(await h.ask())).toEqual(['K/K', 'K/K', 'K/K']);
  }, 60_000);

  it('a primary that restarts keeps the committed release: its workers load it, not a release activated without a cluster reload', async () => {
    const h = await started();
    activate(root.root, 'F');
    const outcome = await h.reload();
    expect('committed' in outcome && outcome.committed.release).toBe('F');
    // Activated, never reloaded: current points at S while F is the committed release.
    activate(root.root, 'S');
    await h.stop();
    host = clusterHost(root.root, { WORKERS: String(WORKERS) });
    const ready = await host.ready(WORKERS);
    expect(ready.map((w) => w.release)).toEqual(['F', 'F', 'F']);
    expect(serving(await host.ask())).toEqual(['F/F', 'F/F', 'F/F']);
    // The next cluster reload takes what current names.
    const next = await host.reload();
    expect('committed' in next && next.committed.release).toBe('S');
    expect(serving(await host.ask())).toEqual(['S/S', 'S/S', 'S/S']);
  }, 60_000);

  it('a primary whose recorded release is gone starts from current', async () => {
    await started();
    await host?.stop();
    writeFileSync(join(root.root, COMMITTED_FILE), `${JSON.stringify({ release: 'pruned', at: new Date().toISOString() })}\n`);
    host = clusterHost(root.root, { WORKERS: String(WORKERS) });
    expect((await host.ready(WORKERS)).map((w) => w.release)).toEqual(['A', 'A', 'A']);
    expect(serving(await host.ask())).toEqual(['A/A', 'A/A', 'A/A']);
  }, 60_000);

  it('a decision that cannot be recorded: every worker aborts, the old release serves everywhere', async () => {
    const h = await started();
    // A directory where the record goes: renaming the new record over it fails.
    rmSync(join(root.root, COMMITTED_FILE), { force: true });
    mkdirSync(join(root.root, COMMITTED_FILE));
    activate(root.root, 'F');
    const outcome = await h.reload();
    if (!('aborted' in outcome)) throw new Error(`expected an abort, got ${JSON.stringify(outcome)}`);
    expect(outcome.aborted.code).toBe('HOTSWAP_CLUSTER_ABORTED');
    expect(outcome.aborted.details.reason).toBe('unrecorded');
    expect(outcome.aborted.details.workers.map((w) => w.outcome)).toEqual(['aborted', 'aborted', 'aborted']);
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
  }, 60_000);

  it('a release activated during a cluster reload: the reload uses the one it resolved, the next reload the new one', async () => {
    const h = await started();
    activate(root.root, 'S');
    const from = h.child.lines.length;
    h.send('reload');
    for (const w of ['w1', 'w2', 'w3']) await h.next(w, 'reload:start', from);
    activate(root.root, 'F');
    const committed = await h.next<{ release: string; workers: Array<{ outcome: string; plugins?: Array<{ buildStamp: string }> }> }>('primary', 'committed', from);
    expect(committed.release).toBe('S');
    expect(committed.workers.map((w) => [w.outcome, w.plugins?.[0]?.buildStamp])).toEqual([
      ['committed', 'S'],
      ['committed', 'S'],
      ['committed', 'S'],
    ]);
    expect(serving(await h.ask())).toEqual(['S/S', 'S/S', 'S/S']);
    const next = await h.reload();
    expect('committed' in next && next.committed.release).toBe('F');
    expect(serving(await h.ask())).toEqual(['F/F', 'F/F', 'F/F']);
  }, 60_000);

  it('a worker that never answers: the deadline aborts the reload everywhere', async () => {
    const h = await started({ DEADLINE_MS: '1000' });
    const from = h.child.lines.length;
    h.send('hang 3 3000');
    await h.next('w3', 'hanging', from);
    activate(root.root, 'F');
    const outcome = await h.reload();
    if (!('aborted' in outcome)) throw new Error(`expected an abort, got ${JSON.stringify(outcome)}`);
    expect(outcome.aborted.details.reason).toBe('no-answer');
    expect(Object.fromEntries(outcome.aborted.details.workers.map((w) => [w.worker, w.outcome]))).toEqual({ 1: 'aborted', 2: 'aborted', 3: 'no-answer' });
    // Once it runs again, the late worker prepares, sees the abort, and gives the reload up too.
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
    const status = await (async () => {
      const at = h.child.lines.length;
      h.send('status');
      return h.next<{ committed: { id: string }; workers: number[] }>('primary', 'status', at);
    })();
    expect(status.committed.id).toBe('A');
    expect(status.workers).toEqual([1, 2, 3]);
  }, 60_000);

  it('a worker that gets a second prepare before the abort of the first: it falls back to the committed release, so its own reloads load that', async () => {
    const h = await started({ DEADLINE_MS: '1000' });
    const from = h.child.lines.length;
    // Blocked through two reloads: both prepares and both aborts reach it at once when it runs again.
    h.send('hang 3 6000');
    await h.next('w3', 'hanging', from);
    activate(root.root, 'F');
    const first = await h.reload();
    if (!('aborted' in first)) throw new Error(`expected an abort, got ${JSON.stringify(first)}`);
    expect(first.aborted.details.reason).toBe('no-answer');
    activate(root.root, 'B');
    const second = await h.reload();
    if (!('aborted' in second)) throw new Error(`expected an abort, got ${JSON.stringify(second)}`);
    expect(second.aborted.details.reason).toBe('refused');
    // Neither F nor B was ever committed: a reload of worker 3's own swapper (a local trigger) reads the committed A.
    expect(await h.local(3)).toMatchObject({ worker: 3, release: 'A', stamp: 'A' });
    expect(await h.local(1)).toMatchObject({ worker: 1, release: 'A', stamp: 'A' });
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
  }, 60_000);

  it('a reload decided while the first start-up is under way: the record names the release the workers serve, after a restart too', async () => {
    const record = join(root.root, COMMITTED_FILE);
    rmSync(record, { recursive: true, force: true });
    // A FIFO where the record goes: the start-up's read of it waits until the test writes, so a reload can decide meanwhile.
    execFileSync('mkfifo', [record]);
    const fifo = openSync(record, 'r+');
    try {
      activate(root.root, 'A');
      host = clusterHost(root.root, { WORKERS: String(WORKERS) });
      const from = host.child.lines.length;
      await host.next('primary', 'hello', from);
      activate(root.root, 'F');
      const outcome = await host.reload();
      expect('committed' in outcome && outcome.committed.release).toBe('F');
      // current changes again before the start-up resolves it.
      activate(root.root, 'A');
      writeSync(fifo, 'not a record\n');
    } finally {
      closeSync(fifo);
    }
    const served = (await host.ready(WORKERS)).map((w) => w.release);
    const recorded = await committedReleaseId(root.root);
    expect(served).toEqual([recorded, recorded, recorded]);
    const at = host.child.lines.length;
    host.send('status');
    expect((await host.next<{ committed: { id: string } }>('primary', 'status', at)).committed.id).toBe(recorded);
    // A restarted primary names the recorded release: the one the workers served.
    await host.stop();
    host = clusterHost(root.root, { WORKERS: String(WORKERS) });
    expect((await host.ready(WORKERS)).map((w) => w.release)).toEqual(served);
  }, 60_000);

  it('close() during phase 1: the reload rejects at once with the closed error, and every worker that prepared aborts', async () => {
    const h = await started({ DEADLINE_MS: '30000' });
    const from = h.child.lines.length;
    // Worker 3 never votes: without close(), phase 1 would last the whole 30 s deadline.
    h.send('hang 3 10000');
    await h.next('w3', 'hanging', from);
    activate(root.root, 'F');
    h.send('reload');
    await h.next('w1', 'reload:start', from);
    await h.next('w2', 'reload:start', from);
    const at = h.child.lines.length;
    h.send('close');
    const rejected = await h.next<Aborted>('primary', 'aborted', at, 5_000);
    expect(rejected.code).toBe('HOTSWAP_CLUSTER_ROLE');
    expect(rejected.message).toMatch(/coordinator is closed/);
    // Told to abort: their prepared reload no longer holds their swappers, and they stay on the release before.
    expect(await h.local(1, 5_000)).toMatchObject({ worker: 1, release: 'A', stamp: 'A' });
    expect(await h.local(2, 5_000)).toMatchObject({ worker: 2, release: 'A', stamp: 'A' });
  }, 60_000);

  it('reloadOnActivate in the primary: activating a release is enough to reload the cluster', async () => {
    const h = await started({ WATCH: '1' });
    const from = h.child.lines.length;
    activate(root.root, 'F');
    const committed = await h.next<{ release: string; workers: Array<{ outcome: string }> }>('primary', 'committed', from);
    expect(committed.release).toBe('F');
    expect(committed.workers.map((w) => w.outcome)).toEqual(['committed', 'committed', 'committed']);
    expect(serving(await h.ask())).toEqual(['F/F', 'F/F', 'F/F']);
  }, 60_000);
});
