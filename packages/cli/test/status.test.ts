// hotswap status of what an admin endpoint serves besides a swapper: a real
// node:cluster primary's coordinator (serveAdmin(coordinator)) with real
// workers, and a status of a shape this CLI does not know.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CliErrorCodes, ExitCodes } from '@hotswap/cli';
import type { ClusterStatus } from '@hotswap/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { activate, freshDeployment, releaseDir, releaseRoot, restamp, seal, type ClusterHost } from '../../../test/helpers/cluster.js';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

const CLI = fileURLToPath(new URL('../bin/hotswap.js', import.meta.url));
const TOKEN = 'a-token-of-sixteen-characters';
const WORKERS = 2;

/** Runs the built `hotswap` in a child process, with `$HOTSWAP_ADMIN_TOKEN` set, and gives its exit code and output. */
function hotswap(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...argv], { env: { ...process.env, HOTSWAP_ADMIN_TOKEN: TOKEN, NO_COLOR: '1' }, timeout: 30_000 }, (error, out, err) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, out, err });
    });
  });
}

describe('hotswap status of a cluster coordinator', () => {
  let ws: Workspace;
  let root: { root: string; cleanup: () => void };
  let host: ClusterHost | undefined;

  beforeAll(async () => {
    ws = workspace();
    root = releaseRoot();
    // The plugin test/fixtures/cluster/host.ts serves: `stamp` answers, `work` is each call of the traffic.
    ws.plugin('handler', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
let stamp = '';
export default definePlugin({ onLoad(ctx) { stamp = ctx.buildStamp; }, functions: { stamp: () => stamp, work: (n: number) => n } });`,
    });
    await ws.build({ outputDir: releaseDir(root.root, 'A'), buildStamp: 'A', shared: ['cluster-test'] });
    seal(root.root, 'A');
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

  it('prints the committed release and its workers, then the cluster canary running, then the last cluster reload, as tables', async () => {
    host = await freshDeployment(root.root, WORKERS, { ADMIN_TOKEN: TOKEN, TRAFFIC: '5' });
    const { url } = await host.next<{ url: string }>('primary', 'admin');

    const first = await hotswap('status', '--url', url);
    expect(first.err).toBe('');
    expect(first.code).toBe(ExitCodes.OK);
    expect(first.out).toContain('cluster · release A · 2 workers · 0 reloads\n');
    expect(first.out).toMatch(/^ {2}COMMITTED {2}WORKERS {2}DIRECTORY$/m);
    expect(first.out).toMatch(new RegExp(`^ {2}A +1, 2 +${releaseDir(root.root, 'A').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(first.out).not.toContain('canary');

    activate(root.root, 'H');
    expect((await runCli('reload', '--url', url, '--token', TOKEN, '--canary', '0.5', '--rules', '{"auto":false}')).code).toBe(ExitCodes.OK);
    const running = await hotswap('status', '--url', url);
    expect(running.err).toBe('');
    expect(running.code).toBe(ExitCodes.OK);
    expect(running.out).toContain('a cluster canary is running');
    expect(running.out).toMatch(/cluster canary 1 · release H beside A · 50% of the work by random · running for /);
    expect(running.out).toMatch(/^ {2}SIDE +CALLS +ERRORS +ERROR RATE +P50 +P99$/m);
    expect(running.out).toMatch(/^ {2}canary +\d+ +0 +0\.00% /m);
    expect(running.out).toMatch(/^ {2}WORKER +STATE +CANARY CALLS/m);
    expect(running.out).toMatch(/^ {2}1 +running +\d+/m);
    expect(running.out).toMatch(/^ {2}2 +running +\d+/m);
    expect(running.out).toMatch(/^ {2}verdict pending/m);

    expect((await runCli('reload', '--url', url, '--token', TOKEN, '--promote')).code).toBe(ExitCodes.OK);
    const after = await runCli('status', '--url', url, '--token', TOKEN);
    expect(after.err).toBe('');
    expect(after.code).toBe(ExitCodes.OK);
    expect(after.out).toContain('cluster · release H · 2 workers · 1 reload\n');
    expect(after.out).toMatch(/last cluster reload 1 · committed release H at \d\d:\d\d:\d\d · /);
    expect(after.out).toMatch(/^ {2}1 +committed +\d+ +handler@1\.0\.0 /m);
    expect(after.out).toMatch(/^ {2}2 +committed +\d+ +handler@1\.0\.0 /m);

    // --json is the coordinator's status as it is.
    const json = await hotswap('status', '--url', url, '--json');
    expect(json.code).toBe(ExitCodes.OK);
    expect((JSON.parse(json.out) as ClusterStatus).committed?.id).toBe('H');
  }, 120_000);
});

describe('hotswap status of a status it does not know', () => {
  let server: Server;
  let status: unknown;
  let url: string;

  beforeAll(async () => {
    // Answers as an admin endpoint does, { ok: true, status }, with whatever status the test sets.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    ['an object of other fields', { version: 2, plugins: [] }, 'fields version, plugins'],
    ['a swapper status whose versions are not objects', { generation: 1, reloadCount: 0, collected: 0, serving: [1], retiring: [], freed: [], leaked: [], history: [] }, 'fields generation'],
    ['a swapper status with a time no date can show', { generation: 1, reloadCount: 0, collected: 0, serving: [], retiring: [], freed: [], leaked: [], history: [{ generation: 1, outcome: 'success', at: 1e300, durationMs: 1 }] }, 'fields generation'],
    ['a cluster status whose canary has no counts', { workers: [1], reloadCount: 0, reloading: true, canary: { state: 'running' } }, 'fields workers'],
    ['an array', [1, 2], 'not an object but an array'],
    ['a string', 'fine', 'not an object but a string'],
  ])('%s: HOTSWAP_CLI_FAILED, exit 1, pointing at --json, no stack', async (_what, answered, fields) => {
    status = answered;
    const { code, out, err } = await runCli('status', '--url', url, '--token', TOKEN);
    expect(out).toBe('');
    expect(err).toContain(`cannot show as a table (${fields}`);
    expect(err).toContain('with --json');
    expect(err.trimEnd().split('\n').at(-1)).toBe(CliErrorCodes.FAILED);
    expect(err).not.toMatch(/^\s+at /m);
    expect(code).toBe(ExitCodes.FAILED);
    // --json prints it as it is.
    const json = await runCli('status', '--url', url, '--token', TOKEN, '--json');
    expect(json.code).toBe(ExitCodes.OK);
    expect(JSON.parse(json.out)).toEqual(answered);
  });
});
