// Faults a user can feed the reload triggers: the admin endpoint, the signal
// file, the plugin-directory watcher, pid files and signals. Each one is
// refused with a typed error or reported through the trigger's onError, the
// host stays alive, and the serving generation keeps serving.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCodes } from '@hotswap/cli';
import {
  decodeArtifact,
  encodeArtifact,
  ErrorCodes,
  readPidFile,
  reloadOnSignal,
  reloadOnSignalFile,
  serveAdmin,
  Swapper,
  watchPluginDir,
  type AdminServer,
  type HotswapError,
  type Logger,
  type ReloadDetails,
  type ReloadOptions,
  type ReloadOutcome,
  type SwapperOptions,
} from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start as startChild, type Child } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/errors.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOST = join(ROOT, 'test', 'faults', 'fixtures', 'trigger-host.ts');
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'hotswap.js');
const isRoot = process.getuid?.() === 0;
const token = 'a-test-token-of-sufficient-length';

let ws: Workspace;
let swapper: Swapper;
let cleanups: Array<() => unknown>;
let outcomes: ReloadOutcome[];

/** A swapper that records the options of every reload it is asked for. */
class RecordingSwapper extends Swapper {
  readonly asked: ReloadOptions[] = [];
  override reload(options: ReloadOptions = {}): Promise<ReloadDetails> {
    this.asked.push(options);
    return super.reload(options);
  }
}

const plugin = (label: string, onLoad = ''): string => `import { definePlugin } from '@hotswap/core/plugin';
import { gate } from 'test-gate';
export default definePlugin({ ${onLoad} functions: { whoami: () => ${JSON.stringify(label)} } });`;

/** The shared module plugins wait on: `gate.wait()` resolves once the test opens it. */
function makeGate(): { entered: boolean; open(): void; wait(): Promise<void> } {
  let open = (): void => {};
  const opened = new Promise<void>((r) => (open = r));
  const gate = {
    entered: false,
    open: () => open(),
    wait: () => {
      gate.entered = true;
      return opened;
    },
  };
  return gate;
}
let gate: ReturnType<typeof makeGate>;

/** Builds plugin `p` (only) answering `label`. */
async function build(label: string, stamp: string, onLoad = ''): Promise<void> {
  ws.plugin('p', { 'index.ts': plugin(label, onLoad) });
  await ws.build({ shared: ['test-gate'], buildStamp: stamp, include: /^p$/ });
}

/** Builds `p` at v1, loads it into a swapper made by `make` (default a plain one), and returns that swapper. */
async function startSwapper<S extends Swapper>(
  options: Partial<SwapperOptions> = {},
  make: (options: SwapperOptions) => S = (o) => new Swapper(o) as S,
): Promise<S> {
  ws.plugin('p', { 'index.ts': plugin('v1') });
  await ws.build({ shared: ['test-gate'], buildStamp: 'b1' });
  const made = make({ pluginDir: ws.bin, shared: { 'test-gate': { gate } }, logger: false, freeDelay: 0, hookTimeout: 15_000, ...options });
  swapper = made;
  await made.load(undefined);
  return made;
}

beforeEach(() => {
  ws = workspace();
  cleanups = [];
  outcomes = [];
  gate = makeGate();
});
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  await swapper?.close().catch(() => undefined);
  ws.cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One HTTP(S) request with full control of the headers, as a client other than fetch would send it. */
function call(
  url: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      { method: init.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...init.headers }, ...(init.ca === undefined ? {} : { ca: init.ca }) },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

async function admin(options: Partial<Parameters<typeof serveAdmin>[1]> = {}): Promise<AdminServer> {
  const server = await serveAdmin(swapper, { token, ...options });
  cleanups.push(() => server.close());
  return server;
}

/** A raw TCP connection to the endpoint; resolves `closed` when the server ends it. */
async function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<void>; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  cleanups.push(() => socket.destroy());
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, closed, received: () => received };
}

/** Resolves true if `promise` settles within `ms`, false otherwise. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);
}

describe('the admin endpoint', () => {
  it('answers a request that arrives during a reload with a reload that started after it', async () => {
    await startSwapper();
    const server = await admin();
    await build('v2', 'b2', 'async onLoad() { await gate.wait(); },');
    const first = call(server.url, '/reload', { method: 'POST' });
    await until(() => gate.entered, 'the first reload to reach its slow onLoad');
    await build('v3', 'b3');
    const second = call(server.url, '/reload', { method: 'POST' });
    await sleep(300); // the second request is in the server's hands
    gate.open();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ status: 200, body: { ok: true, details: { generation: 2 } } });
    expect(b).toMatchObject({ status: 200, body: { ok: true, details: { generation: 3 } } });
    expect(swapper.current.invoke('p', 'whoami')).toBe('v3');
    expect(swapper.current.find('p')?.buildStamp).toBe('b3');
  });

  it('refuses a Host header that does not name it (DNS rebinding), and accepts the loopback names', async () => {
    await startSwapper();
    const server = await admin();
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      const res = await call(server.url, '/reload', { method: 'POST', headers: { host } });
      expect(res.status, host).toBe(421);
      expect(String((res.body['error'] as { message: string }).message)).toContain(JSON.stringify(host));
    }
    expect(swapper.reloadCounter).toBe(0);
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await call(server.url, '/status', { headers: { host } })).status, host).toBe(200);
    }
    const named = await admin({ allowedHosts: ['admin.example'] });
    expect((await call(named.url, '/status', { headers: { host: `admin.example:${named.port}` } })).status).toBe(200);
  });

  it('accepts the Bearer scheme in any case', async () => {
    await startSwapper();
    const server = await admin();
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      expect((await call(server.url, '/status', { headers: { authorization: `${scheme} ${token}` } })).status, scheme).toBe(200);
    }
    expect((await call(server.url, '/status', { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
  });

  it.each([
    ['16 spaces', ' '.repeat(16)],
    ['one character repeated', 'x'.repeat(40)],
    ['8 characters twice', 'abcdefghabcdefgh'],
    ['a short one', 'short'],
    ['one with a space inside', 'a-test-token of-sufficient-length'],
  ])('refuses a weak token: %s', async (_what, weak) => {
    await startSwapper();
    const error = await rejection(serveAdmin(swapper, { token: weak }));
    expect(error.code).toBe(ErrorCodes.INVALID_OPTION);
    expect(error.message).toContain('too weak');
  });

  it('closes the connection of a client that sends its headers too slowly', async () => {
    await startSwapper();
    const server = await admin({ headersTimeout: 200, requestTimeout: 400 });
    const { socket, closed } = await rawSocket(server.port);
    socket.write(`POST /reload HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);
    expect(await within(closed, 10_000)).toBe(true);
    expect(swapper.reloadCounter).toBe(0);
  });

  it('closes connections beyond maxConnections', async () => {
    await startSwapper();
    const server = await admin({ maxConnections: 2 });
    const kept = [await rawSocket(server.port), await rawSocket(server.port)];
    const third = await rawSocket(server.port);
    expect(await within(third.closed, 10_000)).toBe(true);
    for (const k of kept) expect(k.socket.destroyed).toBe(false);
  });

  it('answers 413 to a body over the limit and stops reading it', async () => {
    await startSwapper();
    const server = await admin({ bodyLimit: 1024 });
    const { socket, closed, received } = await rawSocket(server.port);
    socket.write(`POST /reload HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    let ended = false;
    void closed.then(() => (ended = true));
    const chunk = 'x'.repeat(16 * 1024);
    let sent = 0;
    // Far more than the limit: a server that reads on takes all of it; one that stops leaves the client blocked in a few MiB.
    for (; !ended && sent < 256 * 1024 * 1024; sent += chunk.length) {
      if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) await Promise.race([new Promise((r) => socket.once('drain', r)), closed, sleep(1000)]);
    }
    expect(await within(closed, 10_000)).toBe(true);
    expect(sent).toBeLessThan(32 * 1024 * 1024);
    expect(received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(swapper.reloadCounter).toBe(0);
  });

  it('refuses a port that is in use or out of range with a typed error', async () => {
    await startSwapper();
    const server = await admin();
    const inUse = await rejection(serveAdmin(swapper, { token, port: server.port }));
    expect(inUse.code).toBe(ErrorCodes.ADMIN_LISTEN_FAILED);
    expect(inUse.message).toContain('in use');
    for (const port of [70_000, -1, 1.5, Number.NaN]) {
      await expect(serveAdmin(swapper, { token, port }), String(port)).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    }
    await expect(serveAdmin(swapper, { token, headersTimeout: 5000, requestTimeout: 1000 })).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    expect((await call(server.url, '/status')).status).toBe(200);
  });

  it.skipIf(spawnSync('openssl', ['version']).status !== 0)('serves HTTPS with tls, and warns of plain HTTP beyond loopback', async () => {
    await startSwapper();
    const key = join(ws.root, 'key.pem');
    const cert = join(ws.root, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (_fields, m) => warnings.push(m), error: (_fields, m) => warnings.push(m) };
    const secure = await admin({ tls: { key: readFileSync(key), cert: readFileSync(cert) }, logger });
    expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await build('v2', 'b2');
    const res = await call(secure.url, '/reload', { method: 'POST', ca: readFileSync(cert, 'utf8') });
    expect(res).toMatchObject({ status: 200, body: { ok: true, details: { generation: 2 } } });
    expect(warnings).toEqual([]);
    await admin({ host: '0.0.0.0', allowRemote: true, tls: { key: readFileSync(key), cert: readFileSync(cert) }, logger });
    expect(warnings).toEqual([]);
    await admin({ host: '0.0.0.0', allowRemote: true, logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('plain HTTP');
  });

  it('passes an explicit rollback through, from the query, the JSON body and hotswap reload --rollback', async () => {
    const recording = await startSwapper({}, (o) => new RecordingSwapper(o));
    const server = await admin();
    expect((await call(server.url, '/reload', { method: 'POST' })).status).toBe(200);
    expect((await call(server.url, '/reload?rollback=1', { method: 'POST' })).status).toBe(200);
    expect((await call(server.url, '/reload', { method: 'POST', body: '{"rollback":true}', headers: { 'content-type': 'application/json' } })).status).toBe(200);
    expect((await runCli('reload', '--url', server.url, '--token', token, '--rollback')).code).toBe(ExitCodes.OK);
    expect(recording.asked.map((o) => o.rollback === true)).toEqual([false, true, true, true]);
    expect((await call(server.url, '/reload', { method: 'POST', body: '{"rollback":"yes"}' })).status).toBe(400);
    expect((await call(server.url, '/reload?rollback=maybe', { method: 'POST' })).status).toBe(400);
    expect(recording.asked).toHaveLength(4);
    const refused = await runCli('reload', '--pid-file', join(ws.root, 'host.pid'), '--rollback');
    expect(refused.code).toBe(ExitCodes.USAGE);
    expect(refused.err).toContain('--url');
  });
});

/** Starts the fixture host on `ws.bin` with the given environment, and waits until it is ready. */
async function host(env: Record<string, string>, ready = true): Promise<Child> {
  const child = startChild(process.execPath, ['--import', 'tsx', HOST, ws.bin], { cwd: ROOT, env: { ...process.env, ...env } });
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await child.exited;
  });
  if (ready) await child.waitFor(/^host \d+ ready$/);
  return child;
}

describe('the signal file', () => {
  it('at a path that is a directory: reported, the host stays up, and a real signal file still reloads', async () => {
    await startSwapper();
    const signal = join(ws.root, 'run', 'reload.signal');
    mkdirSync(signal, { recursive: true });
    const child = await host({ SIGNAL_FILE: signal, ON_ERROR: '1' });
    await child.waitFor(/^trigger error HOTSWAP_TRIGGER_FAILED: .*reload\.signal is a directory/);
    rmSync(signal, { recursive: true });
    await build('v2', 'b2');
    writeFileSync(signal, '');
    await child.waitFor(/^reloaded generation 2$/);
    expect(existsSync(signal)).toBe(false);
  });

  it('without onError, a directory in its place is one line on stderr, and the host stays up', async () => {
    await startSwapper();
    const signal = join(ws.root, 'reload.signal');
    mkdirSync(signal);
    const child = await host({ SIGNAL_FILE: signal });
    await child.waitFor(/^\[hotswap\] error HOTSWAP_TRIGGER_FAILED: .*is a directory/);
    rmSync(signal, { recursive: true });
    writeFileSync(signal, '');
    await child.waitFor(/^reloaded generation 2$/);
  });

  it('that cannot be removed: reported, the reload goes ahead, the host stays up', async () => {
    await startSwapper();
    const locked = join(ws.root, 'locked');
    mkdirSync(locked);
    const signal = join(locked, 'reload.signal');
    writeFileSync(signal, '');
    // A directory the host may not change: read-only for a normal user; immutable for root, who ignores modes.
    if (isRoot) {
      if (spawnSync('chattr', ['+i', locked]).status !== 0) return; // No immutable attribute here: nothing to lock with.
      cleanups.push(() => spawnSync('chattr', ['-i', locked]));
    } else {
      chmodSync(locked, 0o555);
      cleanups.push(() => chmodSync(locked, 0o755));
    }
    await build('v2', 'b2');
    const child = await host({ SIGNAL_FILE: signal, ON_ERROR: '1' });
    await child.waitFor(/^trigger error HOTSWAP_TRIGGER_FAILED: the signal file .* cannot be removed/);
    await child.waitFor(/^reloaded generation 2$/);
    expect(child.process.exitCode).toBe(null);
  });

  it('holding `rollback` asks for an explicit rollback', async () => {
    const recording = await startSwapper({}, (o) => new RecordingSwapper(o));
    const signal = join(ws.root, 'reload.signal');
    const trigger = reloadOnSignalFile(swapper, { path: signal, onReload: (o) => outcomes.push(o) });
    cleanups.push(() => trigger.stop());
    await trigger.ready;
    writeFileSync(signal, 'rollback\n');
    await until(() => outcomes.length === 1, 'the rollback reload');
    writeFileSync(signal, '');
    await until(() => outcomes.length === 2, 'the plain reload');
    expect(recording.asked.map((o) => o.rollback === true)).toEqual([true, false]);
  });

  it('under a regular file is refused with a typed error', async () => {
    await startSwapper();
    writeFileSync(join(ws.root, 'file'), '');
    expect(() => reloadOnSignalFile(swapper, { path: join(ws.root, 'file', 'reload.signal') })).toThrowError(
      expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }) as Error,
    );
  });
});

describe('the plugin-directory watcher', () => {
  async function watching(settleMs = 300): Promise<HotswapError[]> {
    const errors: HotswapError[] = [];
    const trigger = watchPluginDir(swapper, { debounceMs: 50, settleMs, onReload: (o) => outcomes.push(o), onError: (e) => errors.push(e) });
    cleanups.push(() => trigger.stop());
    await trigger.ready;
    return errors;
  }

  it('survives its directory being deleted and created again', async () => {
    await startSwapper();
    const errors = await watching();
    rmSync(ws.bin, { recursive: true });
    await until(() => outcomes.length === 1, 'the reload of the deleted directory');
    expect(outcomes[0]).toMatchObject({ error: { code: ErrorCodes.PLUGIN_DIR_MISSING } });
    expect(swapper.current.invoke('p', 'whoami')).toBe('v1');
    await build('v2', 'b2');
    await until(() => outcomes.length === 2, 'the reload of the re-created directory');
    expect(outcomes[1]).toHaveProperty('details');
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    // And it keeps watching.
    await build('v3', 'b3');
    await until(() => swapper.current.find('p')?.buildStamp === 'b3', 'a third reload');
    expect(errors).toEqual([]);
  });

  it('waits for a directory made again but still empty (rm -rf bin && hotswap build): one reload, from the build', async () => {
    await startSwapper();
    const errors = await watching(3000);
    rmSync(ws.bin, { recursive: true });
    mkdirSync(ws.bin);
    // Longer than the burst window: the empty directory is looked at, and waited for, before the build fills it.
    await new Promise((r) => setTimeout(r, 300));
    expect(outcomes).toEqual([]);
    await build('v2', 'b2');
    await until(() => outcomes.length === 1, 'the reload of the filled directory');
    expect(outcomes[0]).toHaveProperty('details');
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    expect(errors).toEqual([]);
  });

  it('survives the directory\'s parent being deleted and created again, which no file watcher of the old one sees', async () => {
    await startSwapper();
    const errors = await watching();
    rmSync(ws.root, { recursive: true });
    await until(() => outcomes.length >= 1, 'the reload of the deleted directory');
    expect(outcomes[0]).toMatchObject({ error: { code: ErrorCodes.PLUGIN_DIR_MISSING } });
    mkdirSync(ws.src, { recursive: true });
    await build('v2', 'b2');
    await until(() => swapper.current.find('p')?.buildStamp === 'b2', 'the reload of the re-created directory');
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    await build('v3', 'b3');
    await until(() => swapper.current.find('p')?.buildStamp === 'b3', 'a reload after that');
    expect(errors).toEqual([]);
  });

  it('follows a pluginDir that is a symbolic link when it is pointed at another directory, and then watches that one', async () => {
    ws.plugin('p', { 'index.ts': plugin('v1') });
    await ws.build({ shared: ['test-gate'], buildStamp: 'b1' });
    // Release r1 is a copy of the build; the link `live` names it, as an `ln -sfn` deploy does.
    const r1 = join(ws.root, 'r1');
    cpSync(ws.bin, r1, { recursive: true });
    const live = join(ws.root, 'live');
    symlinkSync(r1, live);
    swapper = new Swapper({ pluginDir: live, shared: { 'test-gate': { gate } }, logger: false, freeDelay: 0 });
    await swapper.load(undefined);
    const errors = await watching();
    await build('v2', 'b2');
    symlinkSync(ws.bin, `${live}.next`);
    renameSync(`${live}.next`, live);
    await until(() => swapper.current.find('p')?.buildStamp === 'b2', 'the reload after the link was pointed at the new release');
    expect(swapper.current.invoke('p', 'whoami')).toBe('v2');
    // A build into the directory the link names now is seen too.
    await build('v3', 'b3');
    await until(() => swapper.current.find('p')?.buildStamp === 'b3', 'the reload of a build into the new release');
    expect(errors).toEqual([]);
  });

  it('follows swapper.resetPluginDir', async () => {
    await startSwapper();
    await watching();
    const other = join(ws.root, 'bin2');
    mkdirSync(other);
    const artifact = readFileSync(join(ws.bin, 'p.hotswap.js'), 'utf8');
    writeFileSync(join(other, 'p.hotswap.js'), artifact);
    swapper.resetPluginDir(other);
    await swapper.reload();
    const decoded = decodeArtifact(artifact, 'p');
    const { hash: _h, format: _f, ...manifest } = decoded.manifest;
    let n = 0;
    // Until the watcher has moved over, a write may go unseen: write again until one is seen.
    while (outcomes.length === 0) {
      if (n++ > 50) throw new Error('the watcher never reloaded from the new directory');
      writeFileSync(join(other, 'p.hotswap.js'), encodeArtifact({ ...manifest, buildStamp: `moved-${n}` }, decoded.code.replace('"v1"', '"moved"')).text);
      await sleep(300);
    }
    await until(() => swapper.current.invoke('p', 'whoami') === 'moved', 'the new directory to serve');
    const seen = outcomes.length;
    await build('old', 'b-old');
    await sleep(600);
    expect(outcomes).toHaveLength(seen);
  });

  it('does not read again an artifact that has not changed', async () => {
    ws.plugin('q', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { q: () => 'q1' } });` });
    await startSwapper();
    const q = join(ws.bin, 'q.hotswap.js');
    utimesSync(q, 1_000_000, 1_000_000);
    await watching(60_000);
    await build('v2', 'b2');
    await until(() => outcomes.length === 1, 'the first reload');
    await sleep(300);
    expect(outcomes).toHaveLength(1);
    // Same size, same modification time, other bytes: a watcher that read it again would wait (settleMs, a minute) for it to be whole.
    const size = statSync(q).size;
    const text = readFileSync(q, 'utf8');
    expect(text).toContain('"q1"');
    writeFileSync(q, text.replace('"q1"', '"q2"'));
    utimesSync(q, 1_000_000, 1_000_000);
    expect(statSync(q).size).toBe(size);
    await until(() => outcomes.length === 2, 'a reload without reading q again', 10_000);
  });
});

describe('pid files and signals', () => {
  it('writes the pid on line 1 and a record on line 2; `kill -USR2 "$(head -n1 file)"` reloads', async () => {
    await startSwapper();
    const pidFile = join(ws.root, 'run', 'host.pid');
    const child = await host({ PID_FILE: pidFile });
    const [first, second] = readFileSync(pidFile, 'utf8').split('\n');
    expect(Number(first)).toBe(child.process.pid);
    const record = JSON.parse(second!) as { pid: number; startedAt: number; node: string };
    expect(record).toMatchObject({ pid: child.process.pid, node: process.execPath });
    expect(readPidFile(pidFile)).toMatchObject({ pid: child.process.pid, startedAt: record.startedAt });
    await build('v2', 'b2');
    execFileSync('sh', ['-c', `kill -USR2 "$(head -n1 '${pidFile}')"`]);
    await child.waitFor(/^reloaded generation 2$/);
    // hotswap reload reads the same file, checks it, and sends the same default signal.
    const sent = await runCli('reload', '--pid-file', pidFile);
    expect(sent).toMatchObject({ code: ExitCodes.OK, err: '' });
    expect(sent.out).toContain(`sent SIGUSR2 to host ${child.process.pid}`);
    await child.waitFor(/^reloaded generation 3$/);
  });

  it('removes its pid file when the host exits without stopping the trigger, so none is left naming a process that is gone', async () => {
    await startSwapper();
    const pidFile = join(ws.root, 'run', 'host.pid');
    // The host's only work is the trigger: it loads, says so, and its event loop ends.
    const child = await host({ PID_FILE: pidFile, EXIT_WHEN_LOADED: '1' }, false);
    await child.waitFor(/^host \d+ ready$/);
    expect(await child.exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('refuses a pid-file path that is a symbolic link, or under a regular file', async () => {
    await startSwapper();
    const victim = join(ws.root, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const link = join(ws.root, 'host.pid');
    symlinkSync(victim, link);
    expect(() => reloadOnSignal(swapper, { pidFile: link })).toThrowError(expect.objectContaining({ code: ErrorCodes.PID_FILE_UNWRITABLE }) as Error);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(() => reloadOnSignal(swapper, { pidFile: join(victim, 'host.pid') })).toThrowError(
      expect.objectContaining({ code: ErrorCodes.PID_FILE_UNWRITABLE }) as Error,
    );
    // Nothing was left listening.
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it.each(['SIGKILL', 'SIGSTOP', 'SIGNOPE'])('refuses to listen for %s', async (signal) => {
    await startSwapper();
    expect(() => reloadOnSignal(swapper, { signal: signal as NodeJS.Signals })).toThrowError(expect.objectContaining({ code: ErrorCodes.INVALID_OPTION }) as Error);
  });

  /** Runs `script` in a shell that leads a process group of its own; resolves with what it printed. */
  async function shell(script: string): Promise<string> {
    const child = startChild('sh', ['-c', script], { detached: true, env: { ...process.env, CLI } });
    cleanups.push(() => child.kill('SIGKILL'));
    await child.exited;
    return `${child.lines.join('\n')}\n`;
  }

  it.each([
    ['0, which would signal the whole process group', () => '0'],
    ['1, init', () => '1'],
    ['the shell that runs hotswap', () => '$$'],
  ])('hotswap reload --pid-file refuses a pid of %s, and the shell survives', async (_what, pid) => {
    const pidFile = join(ws.root, 'host.pid');
    // The outer shell leads the group; the inner one is hotswap's parent, so the group check is what refuses `$$`.
    const out = await shell(`echo "${pid()}" > '${pidFile}'; sh -c 'node "$CLI" reload --pid-file "${pidFile}" 2>&1; echo "exit $?"; true'; echo survived`);
    expect(out).toContain(ErrorCodes.PID_FILE_INVALID);
    expect(out).toMatch(/exit 1\n/);
    expect(out).toMatch(/survived\n$/);
  });

  it('hotswap reload --pid-file refuses its own pid', async () => {
    const pidFile = join(ws.root, 'host.pid');
    writeFileSync(pidFile, `${process.pid}\n`);
    const res = await runCli('reload', '--pid-file', pidFile);
    expect(res.code).toBe(ExitCodes.FAILED);
    expect(res.err).toContain(ErrorCodes.PID_FILE_INVALID);
  });

  it('hotswap reload --pid-file refuses a stale pid file: the process is gone, or started at another time', async () => {
    const gone = startChild(process.execPath, ['-e', '']);
    await gone.exited;
    const pidFile = join(ws.root, 'host.pid');
    writeFileSync(pidFile, `${gone.process.pid}\n${JSON.stringify({ pid: gone.process.pid, startedAt: Date.now(), node: process.execPath })}\n`);
    const dead = await runCli('reload', '--pid-file', pidFile);
    expect(dead.code).toBe(ExitCodes.FAILED);
    expect(dead.err).toContain(ErrorCodes.PID_FILE_STALE);

    // A live process whose start time is not the one recorded: its pid was reused.
    const other = startChild(process.execPath, ['-e', "process.on('SIGUSR2', () => console.log('signalled')); console.log('up'); setInterval(() => {}, 1000)"]);
    cleanups.push(async () => {
      other.kill('SIGKILL');
      await other.exited;
    });
    await other.waitFor(/^up$/);
    writeFileSync(pidFile, `${other.process.pid}\n${JSON.stringify({ pid: other.process.pid, startedAt: Date.now() - 3_600_000, node: process.execPath })}\n`);
    const reused = await runCli('reload', '--pid-file', pidFile);
    expect(reused.code).toBe(ExitCodes.FAILED);
    expect(reused.err).toContain(ErrorCodes.PID_FILE_STALE);

    // An old one-line pid file is accepted on the pid's liveness alone, with a warning.
    writeFileSync(pidFile, `${other.process.pid}\n`);
    const legacy = await runCli('reload', '--pid-file', pidFile);
    expect(legacy.code).toBe(ExitCodes.OK);
    expect(legacy.err).toContain('holds no start time');
    await other.waitFor(/^signalled$/);
  });

  it('hotswap reload refuses a --url that is not a URL and a --signal that would not reload', async () => {
    const bad = await runCli('reload', '--url', 'not a url', '--token', token);
    expect(bad.code).toBe(ExitCodes.USAGE);
    expect(bad.err).toContain('HOTSWAP_CLI_USAGE');
    for (const signal of ['SIGKILL', 'STOP', 'SIGNOPE']) {
      const res = await runCli('reload', '--pid-file', join(ws.root, 'host.pid'), '--signal', signal);
      expect(res.code, signal).toBe(ExitCodes.USAGE);
    }
  });
});
