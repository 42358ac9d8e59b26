// `hotswap status` against a real host in a child process: through the
// admin endpoint mounted under a prefix, and through its pid file; as a
// table and as JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SwapperStatus } from '@hotswap/core';
import { ExitCodes } from '@hotswap/cli';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { start, type Child } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const token = 'a-test-token-of-sufficient-length';
const plugin = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => ${JSON.stringify(label)} } });`;

let ws: Workspace;
let host: Child;
let url: string;
let pidFile: string;

beforeAll(async () => {
  ws = workspace();
  ws.plugin('p', { 'index.ts': plugin('v1') });
  await ws.build({ buildStamp: 'b1' });
  pidFile = join(ws.root, 'run', 'host.pid');
  host = start(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/status-host.ts'), ws.bin, pidFile], {
    cwd: root,
    env: { ...process.env, HOTSWAP_ADMIN_TOKEN: token },
  });
  url = (await host.waitFor(/^admin (\S+)$/, 30_000))[1]!;
});
afterAll(async () => {
  host.kill('SIGTERM');
  await host.exited;
  ws.cleanup();
});

it('prints the serving versions as a table, through the mounted endpoint', async () => {
  const { code, out } = await runCli('status', '--url', url, '--token', token);
  expect(code).toBe(ExitCodes.OK);
  expect(out).toContain('generation 1 · 0 reloads');
  expect(out).toMatch(/PLUGIN\s+VERSION\s+BUILD\s+STATE\s+IN FLIGHT\s+FREED/);
  // The host holds generation 1 as a running request would: one call in flight.
  expect(out).toMatch(/^ {2}p\s+1\.0\.0\s+b1\s+serving\s+1$/m);
  expect(out).toMatch(/^ {2}1 \(load\)\s+success\s+\S+\s+[\d.]+ ms\s+p@1\.0\.0 loaded$/m);
});

it('follows a reload: the new build serving, the held one retiring, as JSON through the pid file', async () => {
  ws.plugin('p', { 'index.ts': plugin('v2') }, '1.1.0');
  await ws.build({ buildStamp: 'b2' });
  expect((await runCli('reload', '--url', url, '--token', token)).out).toMatch(/generation 2 serving/);

  process.env['HOTSWAP_ADMIN_TOKEN'] = token;
  try {
    const { code, out } = await runCli('status', '--pid-file', pidFile, '--json');
    expect(code).toBe(ExitCodes.OK);
    const status = JSON.parse(out) as SwapperStatus;
    expect(status.generation).toBe(2);
    expect(status.serving.map((v) => [v.plugin, v.version, v.buildStamp])).toEqual([['p', '1.1.0', 'b2']]);
    expect(status.retiring.map((v) => v.buildStamp)).toEqual(['b1']);
    expect(status.history.map((r) => [r.generation, r.outcome])).toEqual([
      [1, 'success'],
      [2, 'success'],
    ]);
    const table = await runCli('status', '--pid-file', pidFile);
    expect(table.out).toMatch(/^ {2}p\s+1\.0\.0\s+b1\s+retiring\s+1$/m);
    expect(table.out).toMatch(/^ {2}p\s+1\.1\.0\s+b2\s+serving\s+0$/m);
    expect(table.out).toMatch(/^ {2}2\s+success\s+\S+\s+[\d.]+ ms\s+p@1\.1\.0 loaded$/m);
  } finally {
    delete process.env['HOTSWAP_ADMIN_TOKEN'];
  }
});

it('fails with exit 1 on a wrong token or a pid file without an endpoint, and 2 without a target', async () => {
  const denied = await runCli('status', '--url', url, '--token', 'not-the-token-of-the-host');
  expect(denied.code).toBe(ExitCodes.FAILED);
  expect(denied.err).toContain('the host answered 401');
  const bare = join(ws.root, 'bare.pid');
  writeFileSync(bare, `${host.process.pid}\n`);
  const nameless = await runCli('status', '--pid-file', bare, '--token', token);
  expect(nameless.code).toBe(ExitCodes.FAILED);
  expect(nameless.err).toContain('its pid file names no admin endpoint');
  expect((await runCli('status', '--token', token)).code).toBe(ExitCodes.USAGE);
  expect((await runCli('status', '--url', url)).code).toBe(ExitCodes.USAGE);
});
