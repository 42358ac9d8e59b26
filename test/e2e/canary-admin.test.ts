// Canaries asked for from outside: `hotswap reload --canary` through the
// admin endpoint mounted in a real HTTP server, the canary in /status and
// /metrics, then `--promote` and `--rollback-canary`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminHandler, Swapper, type SwapperStatus } from '@hotswap/core';
import { ExitCodes } from '@hotswap/cli';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parsePrometheus, sample } from '../helpers/prometheus.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const token = 'a-test-token-of-sufficient-length';
const plugin = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => ${JSON.stringify(label)} } });`;

let ws: Workspace;
let swapper: Swapper;
let server: Server;
let url = '';

beforeAll(async () => {
  ws = workspace();
  ws.plugin('p', { 'index.ts': plugin('v1') });
  await ws.build();
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load();
  const admin = createAdminHandler(swapper, { token, prefix: '/hotswap' });
  server = createServer((req, res) => {
    if (req.url?.startsWith('/hotswap') === true) return admin(req, res);
    const generation = swapper.current;
    res.end(`${String(generation.invoke('p', 'whoami'))} from ${generation.id}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hotswap`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await swapper.close();
  ws.cleanup();
});

const get = async (path: string): Promise<Response> => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const answers = async (n: number): Promise<Set<string>> => {
  const seen = new Set<string>();
  const base = url.replace('/hotswap', '');
  for (let i = 0; i < n; i++) seen.add(await (await fetch(`${base}/`)).text());
  return seen;
};

it('starts a canary from the command line, shows it in /status and /metrics, and promotes it', async () => {
  ws.plugin('p', { 'index.ts': plugin('v2') }, '1.1.0');
  await ws.build();
  const started = await runCli('reload', '--url', url, '--token', token, '--canary', '0.5', '--rules', '{"auto":false}');
  expect(started.err).toBe('');
  expect(started.code).toBe(ExitCodes.OK);
  expect(started.out).toMatch(/generation 2 serving as a canary for 50% of the work \(random\) beside generation 1/);
  expect(await answers(80)).toEqual(new Set(['v1 from 1', 'v2 from 2']));

  const status = (await (await get('/status')).json()) as { status: SwapperStatus };
  expect(status.status.canary).toMatchObject({ generation: 2, baseline: 1, weight: 0.5, state: 'running' });
  expect(status.status.canary!.counts.canary.calls + status.status.canary!.counts.baseline.calls).toBeGreaterThanOrEqual(80);
  const metrics = parsePrometheus(await (await get('/metrics')).text());
  expect(sample(metrics, 'hotswap_canary_running')).toBe(1);
  expect(sample(metrics, 'hotswap_canary_weight')).toBe(0.5);
  const calls = sample(metrics, 'hotswap_canary_calls_total', { side: 'canary' }) + sample(metrics, 'hotswap_canary_calls_total', { side: 'baseline' });
  expect(calls).toBeGreaterThanOrEqual(80);

  const promoted = await runCli('reload', '--url', url, '--token', token, '--promote');
  expect(promoted.code).toBe(ExitCodes.OK);
  expect(promoted.out).toMatch(/canary promoted: generation 2 serves everything/);
  expect(await answers(20)).toEqual(new Set(['v2 from 2']));
  expect(sample(parsePrometheus(await (await get('/metrics')).text()), 'hotswap_canary_running')).toBe(0);
});

it('rolls a canary back from the command line; asking again is refused with its code, and bad flags are usage errors', async () => {
  ws.plugin('p', { 'index.ts': plugin('v3') }, '1.2.0');
  await ws.build();
  expect((await runCli('reload', '--url', url, '--token', token, '--canary', '0.2', '--by', 'key', '--rules', '{"auto":false}')).code).toBe(ExitCodes.OK);
  const rolled = await runCli('reload', '--url', url, '--token', token, '--rollback-canary');
  expect(rolled.code).toBe(ExitCodes.OK);
  expect(rolled.out).toMatch(/canary of generation 3 rolled back/);
  expect(await answers(20)).toEqual(new Set(['v2 from 2']));
  const again = await runCli('reload', '--url', url, '--token', token, '--promote');
  expect(again.code).toBe(ExitCodes.FAILED);
  expect(again.err).toMatch(/HOTSWAP_CANARY_DECIDED|no canary is running/);
  expect((await runCli('reload', '--url', url, '--token', token, '--canary', '2')).code).toBe(ExitCodes.USAGE);
  expect((await runCli('reload', '--url', url, '--token', token, '--canary', '0.1', '--promote')).code).toBe(ExitCodes.USAGE);
  expect((await runCli('reload', '--url', url, '--token', token, '--canary', '0.1', '--by', 'header')).code).toBe(ExitCodes.USAGE);
  const badRule = await runCli('reload', '--url', url, '--token', token, '--canary', '0.1', '--rules', '{"maxErrors":1}');
  expect(badRule.code).toBe(ExitCodes.FAILED);
  expect(badRule.err).toMatch(/unknown rule "maxErrors"/);
  expect(swapper.activeCanary).toBeUndefined();
});
