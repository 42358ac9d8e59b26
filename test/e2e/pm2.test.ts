// demo/cluster under the real PM2 (the workspace's pm2 devDependency), as
// docs/scale-out.md runs it: PM2 fork mode supervises one process, the
// cluster primary, which forks four workers. HTTP answers come from the
// workers; `pm2 sendSignal SIGUSR2` asks the primary for a cluster reload,
// after which every worker serves the new release and PM2 restarted
// nothing. PM2_HOME is a temporary directory, and its daemon is killed
// whatever happens.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';

const run = promisify(execFile);
const DEMO = fileURLToPath(new URL('../../demo/cluster/', import.meta.url));
const PM2 = join(createRequire(import.meta.url).resolve('pm2/package.json'), '..', 'bin', 'pm2');
const APP = 'hotswap-cluster';

let work: string;
let env: NodeJS.ProcessEnv;
let port: number;

/** Runs the pm2 command line with the private PM2_HOME; what it printed. */
async function pm2(...args: string[]): Promise<string> {
  return (await run(process.execPath, [PM2, ...args], { cwd: DEMO, env, timeout: 30_000 })).stdout;
}

/** Makes a release of the demo's plugins with release.sh and activates it. */
async function newRelease(): Promise<{ id: string; stamp: string }> {
  const { stdout } = await run('bash', ['-c', 'source ../lib.sh && source ./release.sh && new_release'], { cwd: DEMO, env, timeout: 60_000 });
  const match = /release (\S+) activated \(build stamp (\S+)\)/.exec(stdout);
  if (match === null) throw new Error(`no release in:\n${stdout}`);
  return { id: match[1]!, stamp: match[2]! };
}

/** What PM2's app log (`<PM2_HOME>/logs/<app>-out-<id>.log`) says so far. */
function appLog(): string {
  const dir = join(env['PM2_HOME'] ?? '', 'logs');
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${APP}-out`))
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('');
}

/** Waits until the app's log has `count` lines matching `pattern`. */
async function logged(pattern: RegExp, count: number, timeoutMs = 40_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const global = new RegExp(pattern.source, 'g');
  while ((appLog().match(global)?.length ?? 0) < count) {
    if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for ${count} × ${pattern}; the app's log:\n${appLog().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One request on a connection of its own (so the primary's round-robin picks a worker for each); its answer. */
function get(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** Which worker answered each of `n` requests, with which build and release. */
async function answers(n: number): Promise<Array<{ worker: string; build: string; release: string }>> {
  const seen = [];
  for (let i = 0; i < n; i++) {
    const body = await get();
    const match = /^Hello from worker (\d+), build (\S+), greeting #\d+ \(release (\S+)\)\n$/.exec(body);
    if (match === null) throw new Error(`not a worker's answer: ${JSON.stringify(body)}`);
    seen.push({ worker: match[1]!, build: match[2]!, release: match[3]! });
  }
  return seen;
}

/** PM2's view of the app: its processes' mode, status and restart count. */
async function listed(): Promise<Array<{ mode: string | undefined; status: string | undefined; restarts: number | undefined }>> {
  const list: unknown = JSON.parse(await pm2('jlist'));
  if (!Array.isArray(list)) throw new Error('pm2 jlist printed no list');
  const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined);
  return list.map((entry: unknown) => {
    const app = field(entry, 'pm2_env');
    const [mode, status, restarts] = [field(app, 'exec_mode'), field(app, 'status'), field(app, 'restart_time')];
    return {
      mode: typeof mode === 'string' ? mode : undefined,
      status: typeof status === 'string' ? status : undefined,
      restarts: typeof restarts === 'number' ? restarts : undefined,
    };
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hotswap-pm2-'));
  port = await freePort();
  env = {
    ...process.env,
    PM2_HOME: join(work, 'pm2-home'),
    DEMO_BIN: join(work, 'release'),
    DEMO_PID_FILE: join(work, 'primary.pid'),
    DEMO_PORT: String(port),
    DEMO_INTERVAL_MS: '1000',
  };
});

/** The pid a file holds, if it is there. */
function pidIn(path: string): number | undefined {
  const pid = existsSync(path) ? Number.parseInt(readFileSync(path, 'utf8'), 10) : Number.NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether process `pid` still runs: one that exited and waits to be reaped (a zombie, state Z) does not. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
};

afterAll(async () => {
  // Always, even after a failure: the daemon, the primary and its workers stop, and the directory goes.
  const daemon = pidIn(join(env['PM2_HOME'] ?? '', 'pm2.pid'));
  const primary = pidIn(join(work, 'primary.pid'));
  try {
    if (daemon !== undefined) await pm2('kill');
  } finally {
    // Had `pm2 kill` failed, no daemon or primary of this test may outlive it.
    for (const pid of [daemon, primary]) if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
  if (daemon !== undefined) expect(alive(daemon)).toBe(false);
}, 30_000);

describe('demo/cluster under PM2', () => {
  it('PM2 fork mode runs the primary; workers answer; pm2 sendSignal SIGUSR2 reloads every worker to the new release, and PM2 restarts nothing', async () => {
    const first = await newRelease();
    await pm2('start', 'pm2/ecosystem.config.cjs');
    await logged(/\[w\d+\] listening on /, 4);
    expect(await listed()).toEqual([{ mode: 'fork_mode', status: 'online', restarts: 0 }]);

    const before = await answers(16);
    expect(new Set(before.map((a) => a.worker))).toEqual(new Set(['1', '2', '3', '4']));
    expect(new Set(before.map((a) => `${a.build} ${a.release}`))).toEqual(new Set([`${first.stamp} ${first.id}`]));

    const next = await newRelease();
    expect(next.id).not.toBe(first.id);
    await pm2('sendSignal', 'SIGUSR2', APP);
    await logged(new RegExp(`\\[hotswap\\] cluster reload 1: release ${next.id} serving in 4 of 4 worker\\(s\\)`), 1);

    const after = await answers(16);
    expect(new Set(after.map((a) => a.worker))).toEqual(new Set(['1', '2', '3', '4']));
    expect(new Set(after.map((a) => `${a.build} ${a.release}`))).toEqual(new Set([`${next.stamp} ${next.id}`]));
    // The same primary, the same workers: the reload was no restart.
    expect(await listed()).toEqual([{ mode: 'fork_mode', status: 'online', restarts: 0 }]);
  }, 50_000);
});
