// hotswap inspect, init and reload, and help on every command.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCodes } from '@hotswap/cli';
import { serveAdmin, Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace();
});
afterEach(() => ws.cleanup());

const run = runCli;

describe('help', () => {
  it.each(['build', 'watch', 'inspect', 'init', 'reload', 'keygen'])('hotswap %s --help shows usage and examples', async (command) => {
    const { code, out } = await run(command, '--help');
    expect(code).toBe(ExitCodes.OK);
    expect(out).toContain(`Usage: hotswap ${command}`);
    expect(out).toMatch(/Examples:\n {2}\$ hotswap /);
  });
});

describe('hotswap init', () => {
  it('writes a typed template that builds and loads as it is', async () => {
    const dir = join(ws.src, 'greeter');
    const { code, out } = await run('init', dir);
    expect(code).toBe(ExitCodes.OK);
    expect(out).toContain('plugin "greeter" is ready');
    expect((await run('build', ws.src, ws.bin)).code).toBe(ExitCodes.OK);
    const swapper = new Swapper({ pluginDir: ws.bin, logger: false });
    await swapper.load(undefined);
    expect(swapper.current.invoke('greeter', 'greet', 'Ada')).toBe('Hello, Ada!');
    expect(swapper.current.find('greeter')?.version).toBe('0.1.0');
    await swapper.close();
  });

  it('refuses a directory that is not empty', async () => {
    ws.plugin('taken', { 'index.ts': 'export default {};' });
    expect((await run('init', join(ws.src, 'bad name!'))).err).toContain('HOTSWAP_BUILD_BAD_NAME');
    const { code, err } = await run('init', join(ws.src, 'taken'));
    expect(code).toBe(ExitCodes.USAGE);
    expect(err).toContain('is not empty');
  });
});

describe('hotswap inspect', () => {
  it('prints the manifest, or JSON, and exits 1 for a file that is not an artifact', async () => {
    ws.plugin('world', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport const live_x = () => 1;\nexport default definePlugin({});` }, '3.2.1');
    await ws.build({ buildStamp: 'inspect-me' });
    const path = join(ws.bin, 'world.hotswap.js');
    const text = await run('inspect', path);
    expect(text.code).toBe(ExitCodes.OK);
    expect(text.out).toMatch(/plugin\s+world 3\.2\.1/);
    expect(text.out).toMatch(/build stamp\s+inspect-me/);
    expect(text.out).toMatch(/live\s+live_x/);
    expect(text.out).toContain('matches the bundle');
    const json = await run('inspect', path, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ name: 'world', version: '3.2.1', live: ['live_x'] });
    writeFileSync(path, 'nope');
    const bad = await run('inspect', path);
    expect(bad.code).toBe(ExitCodes.FAILED);
    expect(bad.err).toContain('HOTSWAP_ARTIFACT_INVALID');
  });
});

describe('hotswap keygen and build --sign', () => {
  it('signs artifacts that a host with the public key loads, and inspect says so', async () => {
    const keys = join(ws.root, 'keys');
    const made = await run('keygen', keys);
    expect(made.code).toBe(ExitCodes.OK);
    expect(statSync(join(keys, 'hotswap-signing.key.pem')).mode & 0o777).toBe(0o600);
    ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { ok: () => 'signed' } });` });
    expect((await run('build', ws.src, ws.bin, '--sign', join(keys, 'hotswap-signing.key.pem'))).code).toBe(ExitCodes.OK);
    expect((await run('inspect', join(ws.bin, 'p.hotswap.js'))).out).toMatch(/signature\s+Ed25519 \(not checked/);
    const checked = await run('inspect', join(ws.bin, 'p.hotswap.js'), '--public-key', join(keys, 'hotswap-signing.pub.pem'));
    expect(checked.out).toMatch(/signature\s+Ed25519 ✔ matches the public key/);
    const other = join(ws.root, 'other');
    await run('keygen', other);
    const wrong = await run('inspect', join(ws.bin, 'p.hotswap.js'), '--public-key', join(other, 'hotswap-signing.pub.pem'));
    expect(wrong.code).toBe(ExitCodes.FAILED);
    expect(wrong.err).toContain('HOTSWAP_ARTIFACT_SIGNATURE_INVALID');
    const swapper = new Swapper({ pluginDir: ws.bin, logger: false, publicKey: readFileSync(join(keys, 'hotswap-signing.pub.pem'), 'utf8') });
    await swapper.load(undefined);
    expect(swapper.current.invoke('p', 'ok')).toBe('signed');
    await swapper.close();
    expect((await run('keygen', keys)).code).toBe(ExitCodes.FAILED);
    expect((await run('build', ws.src, ws.bin, '--sign', join(keys, 'missing.pem'))).code).toBe(ExitCodes.USAGE);
  });
});

describe('hotswap reload', () => {
  it('calls the admin endpoint with the token and prints the details', async () => {
    ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({});` });
    await ws.build();
    const swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
    await swapper.load(undefined);
    const token = 'a-test-token-of-sufficient-length';
    const admin = await serveAdmin(swapper, { token });
    try {
      await ws.build();
      const ok = await run('reload', '--url', admin.url, '--token', token);
      expect(ok.code).toBe(ExitCodes.OK);
      expect(ok.out).toMatch(/generation 2 serving/);
      expect(ok.out).toMatch(/p 1\.0\.0 loaded/);
      const denied = await run('reload', '--url', admin.url, '--token', 'not-the-token-of-the-host');
      expect(denied.code).toBe(ExitCodes.FAILED);
      expect(denied.err).toContain('the host answered 401');
    } finally {
      await admin.close();
      await swapper.close();
    }
  });

  it('gives up on an address that accepts connections and never answers, after --timeout, with a typed error', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      for (const command of [['reload', '--url', url], ['status', '--url', url]]) {
        const { code, err } = await run(...command, '--token', 'a-test-token-of-sufficient-length', '--timeout', '300');
        expect(code).toBe(ExitCodes.FAILED);
        expect(err).toContain('did not answer within 300 ms');
        expect(err).toContain('HOTSWAP_CLI_FAILED');
      }
      expect((await run('reload', '--url', url, '--token', 'a-test-token-of-sufficient-length', '--timeout', 'soon')).code).toBe(ExitCodes.USAGE);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says so when --url names a server that is not a hotswap admin endpoint', async () => {
    const other = createHttpServer((_req, res) => res.end('<html>hello</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const { code, err } = await run('status', '--url', url, '--token', 'a-test-token-of-sufficient-length');
      expect(code).toBe(ExitCodes.FAILED);
      expect(err).toContain('not as a hotswap admin endpoint does');
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('hotswap watch stopped by SIGTERM during its first build exits 0', async () => {
    // Enough plugins that the first build takes a while.
    for (let i = 0; i < 400; i++) ws.plugin(`p${i}`, { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { n: () => ${i} } });\n` });
    const cli = join(fileURLToPath(new URL('../bin/hotswap.js', import.meta.url)));
    const child = spawn(process.execPath, [cli, 'watch', ws.src, ws.bin], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).not.toContain('Error');
  }, 30_000);

  it('signals the process named by a pid file', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGUSR2', () => { console.log('got it'); process.exit(0); }); setInterval(() => {}, 1000); console.log('ready');"], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    while (!output.includes('ready')) await new Promise((r) => setTimeout(r, 10));
    const pidFile = join(ws.root, 'host.pid');
    writeFileSync(pidFile, `${child.pid}\n`);
    const { code, out } = await run('reload', '--pid-file', pidFile);
    expect(code).toBe(ExitCodes.OK);
    expect(out).toContain(`sent SIGUSR2 to host ${child.pid}`);
    await new Promise((r) => child.on('exit', r));
    expect(output).toContain('got it');
  });

  it('exits 2 without a target and 1 when the pid file is missing', async () => {
    expect((await run('reload')).code).toBe(ExitCodes.USAGE);
    const missing = await run('reload', '--pid-file', join(ws.root, 'none.pid'));
    expect(missing.code).toBe(ExitCodes.FAILED);
    expect(missing.err).toContain('cannot read a pid');
    expect(missing.err).toContain('HOTSWAP_PID_FILE_INVALID');
  });
});
