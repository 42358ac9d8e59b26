// docs/guides/http-server.md, run as a reader would: the page's files written
// to a fresh project, the routes plugin built with the CLI, then each of the
// page's four hosts started for real (Fastify with @hotswap/fastify, Express
// with @hotswap/express, Express by hand, node:http by hand). Each serves the
// plugin, reloads a changed build through the trigger the page sets up
// (the mounted admin routes with a token, the directory watcher without),
// serves the new build from the same process, and exits 0 on SIGTERM.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { start, type Child } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from './helpers/markdown.js';
import { assertBuilt, childEnv, readPage, tempDir, timeline, writeProject } from './helpers/project.js';
import { freePort } from '../helpers/ports.js';

const PAGE = join(ROOT, 'docs', 'guides', 'http-server.md');
const TOKEN = 'guide-admin-token-0123456789abcdef';

/** The hosts the page gives, and the trigger each one is reloaded through here. */
const HOSTS = [
  { file: 'fastify/main.ts', trigger: 'admin' },
  { file: 'express-app/main.ts', trigger: 'admin' },
  { file: 'express/main.ts', trigger: 'watch' },
  { file: 'host/main.ts', trigger: 'watch' },
] as const;

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = tempDir('http-guide');
  const page = timeline(readPage(PAGE));
  expect(page.problems).toEqual([]);
  const state = page.states.at(-1)!.state;
  for (const host of HOSTS) expect([...state.keys()], `the page gives ${host.file}`).toContain(host.file);
  writeProject(dir, state);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  build: string | null;
  body: string;
}

async function request(port: number, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: response.status, build: response.headers.get('x-routes-build'), body: await response.text() };
}

/** The first answer from a host that has started listening. */
async function whenListening(port: number, host: Child): Promise<Answer> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      return await request(port, '/hello?name=reader');
    } catch {
      const code = await Promise.race([host.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]);
      if (code !== undefined) throw new Error(`the host exited (${code}) before listening:\n${host.lines.join('\n')}`);
    }
  }
  throw new Error(`the host never listened:\n${host.lines.join('\n')}`);
}

async function buildRoutes(): Promise<string> {
  const built = await runCli('build', join(dir, 'plugins'), join(dir, 'bin'));
  expect(built.code, built.err).toBe(0);
  const stamp = /stamp (\S+)/.exec(built.out + built.err)?.[1];
  expect(stamp, built.out + built.err).toBeDefined();
  return stamp!;
}

/** Sets the greeting route's key, as a reader editing the route table would. */
function greetWith(key: 'hello' | 'greeting'): void {
  const file = join(dir, 'plugins', 'routes', 'index.ts');
  const text = readFileSync(file, 'utf8');
  const route = /\{ (hello|greeting): request\.query\['name'\]/;
  expect(text).toMatch(route);
  writeFileSync(file, text.replace(route, `{ ${key}: request.query['name']`));
}

describe('docs/guides/http-server.md, each host run as the page gives it', () => {
  test.each(HOSTS)('$file serves the plugin, reloads a new build through $trigger, and shuts down cleanly', async ({ file, trigger }) => {
    greetWith('hello');
    const first = await buildRoutes();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...childEnv(), PORT: String(port) };
    if (trigger === 'admin') env['HOTSWAP_ADMIN_TOKEN'] = TOKEN;
    else delete env['HOTSWAP_ADMIN_TOKEN'];
    const host = start(process.execPath, ['--import', 'tsx', file], { cwd: dir, env });
    try {
      const before = await whenListening(port, host);
      expect(before).toEqual({ status: 200, build: first, body: JSON.stringify({ hello: 'reader' }) });
      const echoed = await request(port, '/echo', { method: 'POST', body: 'a body, as text', headers: { 'content-type': 'application/json' } });
      expect(echoed).toMatchObject({ status: 200, body: 'a body, as text' });
      expect((await request(port, '/nowhere')).status).toBe(404);

      greetWith('greeting');
      const second = await buildRoutes();
      expect(second).not.toBe(first);
      if (trigger === 'admin') {
        const reloaded = await fetch(`http://127.0.0.1:${port}/_hotswap/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        expect(reloaded.status, await reloaded.clone().text()).toBe(200);
        const refused = await fetch(`http://127.0.0.1:${port}/_hotswap/reload`, { method: 'POST' });
        expect(refused.status).toBe(401);
      }
      // The watcher reloads on its own; the admin reload has answered already. Either way the same process serves the new build.
      let after = await request(port, '/hello?name=reader');
      for (let i = 0; i < 200 && after.build !== second; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await request(port, '/hello?name=reader');
      }
      expect(after).toEqual({ status: 200, build: second, body: JSON.stringify({ greeting: 'reader' }) });

      host.kill('SIGTERM');
      expect(await host.exited, host.lines.join('\n')).toBe(0);
    } finally {
      host.kill('SIGKILL');
    }
  }, 90_000);
});
