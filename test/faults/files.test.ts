// Bad entries in the plugin directory of a running host: each reload fails at
// once with its code, the serving generation keeps answering, and the next
// reload, after the entry is gone or fixed, succeeds.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ErrorCodes, isHotswapError, Swapper, type HotswapError } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

const isRoot = process.getuid?.() === 0;
let ws: Workspace;
let swapper: Swapper;
let server: Server | undefined;

const plugin = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { whoami: () => '${label}' } });`;

beforeEach(async () => {
  ws = workspace();
  ws.plugin('world', { 'index.ts': plugin('w1') });
  await ws.build();
  // Modes set explicitly, so nothing depends on the umask.
  chmodSync(ws.bin, 0o755);
  chmodSync(join(ws.bin, 'world.hotswap.js'), 0o644);
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
  ws.cleanup();
});

async function reloadFails(): Promise<HotswapError> {
  const error = await swapper.reload().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error(`the reload should have failed, got ${String(error)}`);
  return error;
}

/** The reload fails with `code` naming `path`, the first generation still serves, and once `fix` ran a reload succeeds. */
async function refusedThenFixed(code: string, path: string, fix: () => void, stage = 'scan'): Promise<HotswapError> {
  const error = await reloadFails();
  expect(error).toMatchObject({ code, stage });
  expect(error.message).toContain(path);
  expect(swapper.current.id).toBe(1);
  expect(swapper.current.invoke('world', 'whoami')).toBe('w1');
  expect(swapper.status().lastReload).toMatchObject({ ok: false, code });
  fix();
  await swapper.reload();
  expect(swapper.current.id).toBe(2);
  expect(swapper.current.invoke('world', 'whoami')).toBe('w1');
  return error;
}

describe('entries that are not artifact files', () => {
  it('a FIFO does not block the reload, nor the one after it', async () => {
    const path = join(ws.bin, 'pipe.hotswap.js');
    execFileSync('mkfifo', [path]);
    const error = await refusedThenFixed(ErrorCodes.ARTIFACT_NOT_A_FILE, path, () => rmSync(path));
    expect(error.message).toContain('is a FIFO (named pipe), not a regular file');
  });

  it('two reloads queued behind a FIFO both fail, then a reload succeeds', async () => {
    const path = join(ws.bin, 'pipe.hotswap.js');
    execFileSync('mkfifo', [path]);
    const [a, b] = await Promise.all([reloadFails(), reloadFails()]);
    expect([a.code, b.code]).toEqual([ErrorCodes.ARTIFACT_NOT_A_FILE, ErrorCodes.ARTIFACT_NOT_A_FILE]);
    rmSync(path);
    await swapper.reload();
    expect(swapper.current.invoke('world', 'whoami')).toBe('w1');
  });

  it('a directory named x.hotswap.js', async () => {
    const path = join(ws.bin, 'x.hotswap.js');
    mkdirSync(path);
    chmodSync(path, 0o755);
    const error = await refusedThenFixed(ErrorCodes.ARTIFACT_NOT_A_FILE, path, () => rmSync(path, { recursive: true }));
    expect(error.message).toContain('is a directory');
  });

  it('a unix socket', async () => {
    const path = join(ws.bin, 'sock.hotswap.js');
    const listening = createServer();
    server = listening;
    await new Promise<void>((resolve) => listening.listen(path, resolve));
    const error = await refusedThenFixed(ErrorCodes.ARTIFACT_NOT_A_FILE, path, () => rmSync(path));
    expect(error.message).toContain('is a socket');
  });

  it('a file larger than the default 64 MiB', async () => {
    const path = join(ws.bin, 'huge.hotswap.js');
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    truncateSync(path, 64 * 1024 * 1024 + 1);
    const error = await refusedThenFixed(ErrorCodes.ARTIFACT_TOO_LARGE, path, () => rmSync(path));
    expect(error.message).toContain(`is ${64 * 1024 * 1024 + 1} bytes, more than the ${64 * 1024 * 1024} bytes an artifact may have`);
  });
});

describe('who can write the plugin directory', () => {
  const artifact = (): string => join(ws.bin, 'world.hotswap.js');

  it('a group-writable artifact', async () => {
    chmodSync(artifact(), 0o664);
    const error = await refusedThenFixed(ErrorCodes.PLUGIN_DIR_INSECURE, artifact(), () => chmodSync(artifact(), 0o644));
    expect(error.message).toContain('writable by its group (mode 0664)');
    expect(error.message).toContain(`chmod g-w,o-w ${artifact()}`);
  });

  it('a group-writable directory', async () => {
    chmodSync(ws.bin, 0o775);
    await refusedThenFixed(ErrorCodes.PLUGIN_DIR_INSECURE, ws.bin, () => chmodSync(ws.bin, 0o755));
  });

  it.skipIf(!isRoot)('an artifact owned by another user', async () => {
    chownSync(artifact(), 12345, 12345);
    const error = await refusedThenFixed(ErrorCodes.PLUGIN_DIR_INSECURE, artifact(), () => chownSync(artifact(), 0, 0));
    expect(error.message).toContain('is owned by uid 12345');
  });

  it('an artifact that links out of the plugin directory', async () => {
    const outside = join(ws.root, 'outside.js');
    writeFileSync(outside, readFileSync(artifact()));
    chmodSync(outside, 0o644);
    rmSync(artifact());
    symlinkSync(outside, artifact());
    const error = await refusedThenFixed(ErrorCodes.PLUGIN_DIR_INSECURE, artifact(), () => {
      rmSync(artifact());
      writeFileSync(artifact(), readFileSync(outside));
      chmodSync(artifact(), 0o644);
    });
    expect(error.message).toContain(`is a symbolic link to ${outside}, outside the plugin directory`);
  });

  it('allowInsecurePluginDir loads them all', async () => {
    await swapper.close();
    chmodSync(artifact(), 0o666);
    chmodSync(ws.bin, 0o775);
    swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0, allowInsecurePluginDir: true });
    await swapper.load(undefined);
    expect(swapper.current.invoke('world', 'whoami')).toBe('w1');
  });
});

describe('manifests the docs call invalid', () => {
  const artifact = (): string => join(ws.bin, 'world.hotswap.js');
  const rewrite = (from: RegExp, to: string): void => writeFileSync(artifact(), readFileSync(artifact(), 'utf8').replace(from, to));

  it.each<[string, RegExp, string, string]>([
    ['a version that is not semver', /"version":"[^"]+"/, '"version":"1.0"', 'is not a semver version'],
    ['an entry that climbs out', /"entry":"[^"]+"/, '"entry":"../../etc/index.ts"', 'is not a path inside the plugin directory'],
    ['a build time that is not a date', /"builtAt":"[^"]+"/, '"builtAt":"last tuesday"', 'is not an ISO 8601 date'],
  ])('%s', async (_what, from, to, message) => {
    const good = readFileSync(artifact());
    rewrite(from, to);
    const error = await refusedThenFixed(ErrorCodes.ARTIFACT_INVALID, artifact(), () => writeFileSync(artifact(), good), 'verify');
    expect(error.message).toContain(message);
  });
});
