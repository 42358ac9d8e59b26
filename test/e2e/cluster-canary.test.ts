// A canary across a cluster, with real processes: a node:cluster primary and
// three workers, each calling its plugin as a server's requests would. Every
// worker serves the canary beside the release before and reports its
// counts; the coordinator judges them added up and tells every worker to
// promote it or roll it back.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMMITTED_FILE, committedReleaseId, type ClusterCanaryStatus, type ClusterReloadResult, type WorkerCanaryReport } from '@hotswap/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { activate, clusterHost, freshDeployment, releaseDir, releaseRoot, restamp, seal, type ClusterHost } from '../helpers/cluster.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const WORKERS = 3;
let ws: Workspace;
let root: { root: string; cleanup: () => void };
let host: ClusterHost | undefined;

/** The handler plugin; `work` runs `body` on each call's number. */
const handler = (body: string): string => `import { definePlugin } from '@hotswap/core/plugin';
let stamp = '';
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; },
  functions: {
    stamp: () => stamp,
    work: (n: number) => { ${body} },
  },
});`;

async function release(id: string, body: string): Promise<void> {
  ws.plugin('handler', { 'index.ts': handler(body) });
  await ws.build({ outputDir: releaseDir(root.root, id), buildStamp: id, shared: ['cluster-test'] });
  seal(root.root, id);
}

beforeAll(async () => {
  ws = workspace();
  root = releaseRoot();
  await release('A', 'return n;');
  // One call in five throws, in every worker.
  await release('F', "if (n % 5 === 0) throw new Error('fails one call in five'); return n;");
  restamp(root.root, 'A', 'H');
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
  host = await freshDeployment(root.root, WORKERS, { TRAFFIC: '5', ...env });
  return host;
}

/** Starts a cluster canary of `release` and waits for its end: the promoted result, or the rollback's error. */
async function canary(h: ClusterHost, release: string, options: object): Promise<{ promoted: ClusterReloadResult } | { rolledBack: RolledBack }> {
  activate(root.root, release);
  const from = h.child.lines.length;
  h.send(`canary ${JSON.stringify(options)}`);
  const end = await h.child.waitFor(/^primary (canary-promoted|canary-rolled-back) (.*)$/, 90_000, from);
  return end[1] === 'canary-promoted' ? { promoted: JSON.parse(end[2]!) as ClusterReloadResult } : { rolledBack: JSON.parse(end[2]!) as RolledBack };
}

interface RolledBack {
  code: string;
  message: string;
  details: { decidedBy: string; reasons: string[]; release: string; counts: ClusterCanaryStatus['counts']; workers: WorkerCanaryReport[] };
}

const serving = (answers: Array<{ release: string; stamp: string }>): string[] => answers.map((a) => `${a.release}/${a.stamp}`);

/** What every worker serves, asked again until all serve `expected` (a cluster reload bringing a late worker level) or 30 s pass. */
async function servingEverywhere(h: ClusterHost, expected: string): Promise<string[]> {
  let answers = serving(await h.ask());
  for (let i = 0; i < 150 && !(answers.length === WORKERS && answers.every((a) => a === expected)); i++) {
    await new Promise((r) => setTimeout(r, 200));
    answers = serving(await h.ask());
  }
  return answers;
}
const sum = (workers: WorkerCanaryReport[], side: 'canary' | 'baseline', what: 'calls' | 'errors'): number => workers.reduce((n, w) => n + w.counts[side][what], 0);

describe('a canary across a cluster', () => {
  it('a canary that fails one call in five in every worker is rolled back on the combined counts; the old release serves everywhere', async () => {
    const h = await started();
    const outcome = await canary(h, 'F', { weight: 0.5, rules: { minCalls: 300, minDurationMs: 600_000, maxErrorRateIncrease: 0.05, checkIntervalMs: 100 } });
    if (!('rolledBack' in outcome)) throw new Error(`expected a rollback, got ${JSON.stringify(outcome)}`);
    const { code, details } = outcome.rolledBack;
    expect(code).toBe('HOTSWAP_CANARY_ROLLED_BACK');
    expect(details.decidedBy).toBe('rules');
    expect(details.release).toBe('F');
    expect(details.reasons.join(' ')).toMatch(/^error rate \d+\.\d+% against 0\.00%/);
    expect(details.workers.map((w) => w.state)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    for (const w of details.workers) {
      expect(w.counts.canary.errors).toBeGreaterThan(0);
      expect(w.counts.baseline.errors).toBe(0);
    }
    // The verdict is the coordinator's, on every worker's counts added up.
    expect(details.counts.canary.calls).toBe(sum(details.workers, 'canary', 'calls'));
    expect(details.counts.canary.errors).toBe(sum(details.workers, 'canary', 'errors'));
    expect(details.counts.canary.calls).toBeGreaterThanOrEqual(300);
    expect(details.counts.canary.errorRate).toBeGreaterThan(0.1);
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
    const from = h.child.lines.length;
    h.send('status');
    const status = await h.next<{ committed: { id: string }; canary?: unknown; lastReload: { ok: boolean; code: string } }>('primary', 'status', from);
    expect(status.committed.id).toBe('A');
    expect(status.canary).toBeUndefined();
    expect(status.lastReload).toMatchObject({ ok: false, code: 'HOTSWAP_CANARY_ROLLED_BACK' });
    // The record in the release root never named the canary.
    expect(await committedReleaseId(root.root)).toBe('A');
    // A worker that starts after the rollback loads the release before.
    const killed = h.child.lines.length;
    h.send('kill 1');
    const [respawn] = await h.ready(1, killed);
    expect(respawn?.release).toBe('A');
  }, 120_000);

  it('a healthy canary is promoted on the combined counts: every worker serves the new release, the old versions are freed', async () => {
    const h = await started();
    const outcome = await canary(h, 'H', { weight: 0.5, rules: { minCalls: 200, minDurationMs: 1000, maxErrorRateIncrease: 0.05, maxLatencyRatio: 100, checkIntervalMs: 100 } });
    if (!('promoted' in outcome)) throw new Error(`expected a promotion, got ${JSON.stringify(outcome)}`);
    const result = outcome.promoted;
    expect(result.release).toBe('H');
    expect(result.workers.map((w) => w.outcome)).toEqual(['committed', 'committed', 'committed']);
    const verdict = result.canary;
    expect(verdict?.state).toBe('promoted');
    expect(verdict?.decidedBy).toBe('rules');
    expect(verdict?.reasons.join(' ')).toMatch(/^healthy over \d+ call\(s\)/);
    const workers = verdict?.status.workers ?? [];
    expect(workers.map((w) => w.state)).toEqual(['promoted', 'promoted', 'promoted']);
    expect(verdict?.status.counts.canary.calls).toBe(sum(workers, 'canary', 'calls'));
    expect(verdict?.status.counts.canary.errors).toBe(0);
    expect(serving(await h.ask())).toEqual(['H/H', 'H/H', 'H/H']);
    // The promotion is recorded in the release root: a restarted primary names it.
    expect(await committedReleaseId(root.root)).toBe('H');
    // The baseline's versions retire and get OnFree in every worker.
    for (;;) {
      const from = h.child.lines.length;
      h.send('versions');
      const versions = await h.next<Array<{ serving: string[]; retiring: string[]; freed: string[] }>>('primary', 'versions', from);
      if (versions.some((v) => v.retiring.length > 0)) continue;
      for (const v of versions) {
        expect(v.serving).toEqual(['handler@1.0.0+H']);
        expect(v.freed).toContain('handler@1.0.0+A');
      }
      break;
    }
  }, 120_000);

  it('split by key: the same key reaches the same generation within each worker; decided by hand from the coordinator', async () => {
    const h = await started({ TRAFFIC: '0' });
    activate(root.root, 'H');
    let from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, by: 'key', rules: { auto: false } })}`);
    const status = await h.next<ClusterCanaryStatus>('primary', 'canary-started', from);
    expect(status).toMatchObject({ state: 'running', release: 'H', baseline: 'A', by: 'key', weight: 0.5 });
    from = h.child.lines.length;
    h.send('keys');
    const keys = await h.next<Array<{ worker: number; keys: Record<string, number[]> }>>('primary', 'keys', from);
    expect(keys).toHaveLength(WORKERS);
    for (const worker of keys) {
      const picks = Object.values(worker.keys);
      for (const generations of picks) expect(generations).toHaveLength(1);
      // Both generations serve some of the keys.
      expect(new Set(picks.map((g) => g[0])).size).toBe(2);
    }
    from = h.child.lines.length;
    h.send('rollback');
    const end = await h.child.waitFor(/^primary canary-rolled-back (.*)$/, 30_000, from);
    const rolledBack = JSON.parse(end[1]!) as RolledBack;
    expect(rolledBack.code).toBe('HOTSWAP_CANARY_ROLLED_BACK');
    expect(rolledBack.details.decidedBy).toBe('manual');
    expect(rolledBack.details.reasons).toEqual(['rolled back by the test']);
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
    from = h.child.lines.length;
    h.send('promote');
    expect((await h.next<{ message: string }>('primary', 'decide-failed', from)).message).toMatch(/no cluster canary$/);
  }, 120_000);

  it('bad canary options are refused with HOTSWAP_INVALID_OPTION before any worker prepares', async () => {
    const h = await started({ TRAFFIC: '0' });
    const from = h.child.lines.length;
    for (const options of [{ weight: 1 }, { weight: 0.5, by: 'user' }, { weight: 0.5, rules: { minCalls: -1 } }]) {
      const outcome = await canary(h, 'H', options);
      if (!('rolledBack' in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
      expect(outcome.rolledBack.code).toBe('HOTSWAP_INVALID_OPTION');
    }
    // No worker began a reload: the first load is all each did.
    expect(h.child.lines.slice(from).some((line) => / reload:start /.test(line))).toBe(false);
  }, 120_000);

  it('a canary whose every worker exits before a verdict is rolled back, so later reloads are not held up', async () => {
    const h = await started({ RESPAWN: '0' });
    activate(root.root, 'H');
    let from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { minCalls: 1_000_000, checkIntervalMs: 100 } })}`);
    await h.next('primary', 'canary-started', from);
    from = h.child.lines.length;
    for (const w of [1, 2, 3]) h.send(`kill ${w}`);
    const end = await h.child.waitFor(/^primary canary-rolled-back (.*)$/, 60_000, from);
    const rolledBack = JSON.parse(end[1]!) as RolledBack;
    expect(rolledBack.code).toBe('HOTSWAP_CANARY_ROLLED_BACK');
    expect(rolledBack.details.reasons[0]).toMatch(/^no worker serves the canary/);
    expect(rolledBack.details.workers.map((w) => w.state)).toEqual(['died', 'died', 'died']);
    from = h.child.lines.length;
    h.send('status');
    expect((await h.next<{ committed: { id: string }; reloading: boolean }>('primary', 'status', from)).committed.id).toBe('A');
  }, 120_000);

  it('hotswap reload --canary through the coordinator\'s admin endpoint starts a cluster canary; --promote promotes it in every worker', async () => {
    const token = 'a-token-of-sixteen-characters';
    const h = await started({ ADMIN_TOKEN: token });
    const { url } = await h.next<{ url: string }>('primary', 'admin');
    activate(root.root, 'H');
    const start = await runCli('reload', '--url', url, '--token', token, '--canary', '0.5', '--rules', '{"auto":false}');
    expect(start.err).toBe('');
    expect(start.out).toMatch(/release H serving as a cluster canary for 50% of the work \(random\) in 3 worker\(s\) beside release A/);
    const promoted = await runCli('reload', '--url', url, '--token', token, '--promote');
    expect(promoted.out).toMatch(/canary promoted: generation 1 serves everything/);
    expect(serving(await h.ask())).toEqual(['H/H', 'H/H', 'H/H']);
    const again = await runCli('reload', '--url', url, '--token', token, '--rollback-canary');
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('HOTSWAP_CANARY_DECIDED');
  }, 120_000);

  it('a worker killed during the canary does not stop the verdict for the others; its respawn is brought to the promoted release', async () => {
    const h = await started();
    activate(root.root, 'H');
    let from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { minCalls: 200, minDurationMs: 1500, maxLatencyRatio: 100, checkIntervalMs: 100 } })}`);
    await h.next('primary', 'canary-started', from);
    from = h.child.lines.length;
    h.send('kill 2');
    await h.next('primary', 'exit', from);
    const end = await h.child.waitFor(/^primary canary-promoted (.*)$/, 60_000, from);
    const result = JSON.parse(end[1]!) as ClusterReloadResult;
    const states = Object.fromEntries((result.canary?.status.workers ?? []).map((w) => [w.worker, w.state]));
    expect(states).toEqual({ 1: 'promoted', 2: 'died', 3: 'promoted' });
    // The respawn joined (during the canary, on the release before, or after it, on the promoted one); either way it ends on H.
    await h.ready(1, from);
    expect(await servingEverywhere(h, 'H/H')).toEqual(['H/H', 'H/H', 'H/H']);
  }, 120_000);

  it('a worker that starts while a canary waits for a manual verdict joins at once on the release before, and a promote brings it level', async () => {
    const h = await started();
    activate(root.root, 'H');
    let from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { auto: false } })}`);
    await h.next('primary', 'canary-started', from);
    from = h.child.lines.length;
    h.send('kill 1');
    await h.next('primary', 'exit', from);
    // Joins while the canary runs: before, it waited for the verdict and gave up after its join timeout.
    const [respawn] = await h.ready(1, from);
    expect(respawn?.release).toBe('A');
    from = h.child.lines.length;
    h.send('status');
    const status = await h.next<{ canary?: { state: string; workers: Array<{ worker: number; state: string }> } }>('primary', 'status', from);
    expect(status.canary?.state).toBe('running');
    expect(status.canary?.workers.map((w) => w.state).sort()).toEqual(['died', 'running', 'running']);
    from = h.child.lines.length;
    h.send('promote');
    await h.child.waitFor(/^primary canary-promoted /, 30_000, from);
    expect(await servingEverywhere(h, 'H/H')).toEqual(['H/H', 'H/H', 'H/H']);
  }, 120_000);

  it('the committed record changes only on a promote: a primary restarted during a canary, or after a rollback, starts from the release before; after a promote, from the canary', async () => {
    let h = await started({ TRAFFIC: '0' });
    activate(root.root, 'H');
    let from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { auto: false } })}`);
    await h.next('primary', 'canary-started', from);
    expect(await committedReleaseId(root.root)).toBe('A');
    // The primary goes during the canary, current still naming the canary's release.
    await h.stop();
    h = host = clusterHost(root.root, { WORKERS: String(WORKERS), TRAFFIC: '0' });
    expect((await h.ready(WORKERS)).map((w) => w.release)).toEqual(['A', 'A', 'A']);
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
    // Rolled back by hand: the record keeps A, and so does the next primary.
    from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { auto: false } })}`);
    await h.next('primary', 'canary-started', from);
    h.send('rollback');
    await h.child.waitFor(/^primary canary-rolled-back (.*)$/, 30_000, from);
    expect(await committedReleaseId(root.root)).toBe('A');
    await h.stop();
    h = host = clusterHost(root.root, { WORKERS: String(WORKERS), TRAFFIC: '0' });
    expect((await h.ready(WORKERS)).map((w) => w.release)).toEqual(['A', 'A', 'A']);
    // Promoted by hand: the record names H, and the next primary starts from it.
    from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { auto: false } })}`);
    await h.next('primary', 'canary-started', from);
    h.send('promote');
    await h.child.waitFor(/^primary canary-promoted (.*)$/, 30_000, from);
    expect(await committedReleaseId(root.root)).toBe('H');
    activate(root.root, 'A');
    await h.stop();
    h = host = clusterHost(root.root, { WORKERS: String(WORKERS), TRAFFIC: '0' });
    expect((await h.ready(WORKERS)).map((w) => w.release)).toEqual(['H', 'H', 'H']);
    expect(serving(await h.ask())).toEqual(['H/H', 'H/H', 'H/H']);
  }, 120_000);

  it('a promotion that cannot be recorded is not made: every worker rolls back, the release before serves everywhere', async () => {
    const h = await started({ TRAFFIC: '0' });
    activate(root.root, 'H');
    let from = h.child.lines.length;
    h.send(`canary ${JSON.stringify({ weight: 0.5, rules: { auto: false } })}`);
    await h.next('primary', 'canary-started', from);
    // A directory where the record goes: renaming the new record over it fails.
    rmSync(join(root.root, COMMITTED_FILE), { force: true });
    mkdirSync(join(root.root, COMMITTED_FILE));
    from = h.child.lines.length;
    h.send('promote');
    const end = await h.child.waitFor(/^primary canary-rolled-back (.*)$/, 30_000, from);
    const rolledBack = JSON.parse(end[1]!) as RolledBack;
    expect(rolledBack.code).toBe('HOTSWAP_CANARY_ROLLED_BACK');
    expect(rolledBack.details.decidedBy).toBe('manual');
    expect(rolledBack.details.reasons).toEqual(['promoted by the host', expect.stringMatching(/^the promotion could not be recorded in the release root \(.+\), so the canary was rolled back$/)]);
    expect(rolledBack.details.workers.map((w) => w.state)).toEqual(['rolled-back', 'rolled-back', 'rolled-back']);
    expect(serving(await h.ask())).toEqual(['A/A', 'A/A', 'A/A']);
    from = h.child.lines.length;
    h.send('status');
    expect((await h.next<{ committed: { id: string } }>('primary', 'status', from)).committed.id).toBe('A');
  }, 120_000);
});
