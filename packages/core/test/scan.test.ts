// The plugin directory scan on its own, with artifacts written by
// encodeArtifact: what it returns, what it reads again, and every entry it
// refuses before opening it.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_VERSION, encodeArtifact, ErrorCodes, isHotswapError, type HotswapError, type Manifest } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { readArtifactFile, readArtifactFileSync } from '../src/loader/file-checks.js';
import { scanPluginDir, type ScanCache, type ScanOptions } from '../src/loader/scan.js';
import { applyWhitelist, checkDuplicates, checkNotEmpty, checkWhitelistFound } from '../src/loader/select.js';

const isRoot = process.getuid?.() === 0;
let root: string;
let dir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hotswap-scan-'));
  chmodSync(root, 0o755);
  dir = join(root, 'bin');
  mkdirSync(dir);
  // Modes set explicitly, so nothing depends on the umask.
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function manifest(name: string, extra: Partial<Manifest> = {}): Omit<Manifest, 'hash' | 'format' | 'signature'> {
  return {
    name,
    version: '1.0.0',
    core: CORE_VERSION,
    shared: [],
    buildStamp: `${name}-stamp`,
    builtAt: '2026-01-01T00:00:00.000Z',
    entry: 'index.ts',
    live: [],
    ...extra,
  };
}

/** Writes the artifact of plugin `name` into `where` (the plugin directory), mode 0644; returns its path. */
function artifact(name: string, options: { file?: string; where?: string; code?: string } = {}): string {
  const path = join(options.where ?? dir, options.file ?? `${name}.hotswap.js`);
  writeFileSync(path, encodeArtifact(manifest(name), options.code ?? `module.exports = { name: ${JSON.stringify(name)} };\n`).text);
  chmodSync(path, 0o644);
  return path;
}

async function scanFails(options: ScanOptions = {}, whitelist?: readonly string[], at = dir): Promise<HotswapError> {
  const error = await scanPluginDir(at, whitelist, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error(`the scan should have failed, got ${String(error)}`);
  return error;
}

const names = async (options: ScanOptions = {}, whitelist?: readonly string[]): Promise<string[]> =>
  (await scanPluginDir(dir, whitelist, options)).map((a) => a.manifest.name);

describe('what a scan returns', () => {
  it('every artifact, checked, sorted by name without case', async () => {
    artifact('beta');
    artifact('Alpha');
    artifact('gamma');
    writeFileSync(join(dir, 'notes.txt'), 'not an artifact');
    expect(await names()).toEqual(['Alpha', 'beta', 'gamma']);
  });

  it('reuses what it read for a file that has not changed, and reads a changed one again', async () => {
    const path = artifact('world');
    artifact('other');
    const cache: ScanCache = new Map();
    const [, first] = await scanPluginDir(dir, undefined, {}, cache);
    const [, again] = await scanPluginDir(dir, undefined, {}, cache);
    expect(again).toBe(first);
    artifact('world', { code: 'module.exports = { changed: true, padding: "longer than before" };\n' });
    const [, changed] = await scanPluginDir(dir, undefined, {}, cache);
    expect(changed).not.toBe(first);
    expect(changed?.code).toContain('changed: true');
    rmSync(path);
    await scanPluginDir(dir, undefined, {}, cache);
    expect([...cache.keys()]).toEqual([join(dir, 'other.hotswap.js')]);
  });

  it('without a cache, reads every file again', async () => {
    artifact('world');
    const [first] = await scanPluginDir(dir);
    const [again] = await scanPluginDir(dir);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('refuses two artifacts whose names differ only in case, naming both files', async () => {
    artifact('world');
    artifact('World');
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.DUPLICATE_PLUGIN, stage: 'scan' });
    expect(error.message).toContain(join(dir, 'World.hotswap.js'));
    expect(error.message).toContain(join(dir, 'world.hotswap.js'));
  });

  it('applies the whitelist without case, and never reads what it leaves out', async () => {
    artifact('alpha');
    artifact('beta');
    writeFileSync(join(dir, 'junk.hotswap.js'), 'not an artifact at all');
    chmodSync(join(dir, 'junk.hotswap.js'), 0o644);
    expect(await names({}, ['ALPHA', 'beta'])).toEqual(['alpha', 'beta']);
    // An empty whitelist is no whitelist: now junk is read and refused.
    expect(await scanFails({}, [])).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID, stage: 'verify' });
  });

  it('refuses a whitelisted name with no artifact', async () => {
    artifact('alpha');
    const error = await scanFails({}, ['alpha', 'ghost']);
    expect(error).toMatchObject({ code: ErrorCodes.WHITELIST_MISSING, plugin: 'ghost', stage: 'scan' });
    expect(error.message).toContain(dir);
  });

  it('refuses a directory with no artifact in it', async () => {
    expect(await scanFails()).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_EMPTY, stage: 'scan' });
    writeFileSync(join(dir, 'README'), 'no artifacts here');
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_EMPTY });
    expect(error.message).toContain(`${dir} holds no plugin artifact`);
  });

  it('refuses a missing directory, and a file given as the directory', async () => {
    expect(await scanFails({}, undefined, join(root, 'missing'))).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_MISSING, stage: 'scan' });
    writeFileSync(join(root, 'file'), '');
    expect(await scanFails({}, undefined, join(root, 'file'))).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_MISSING });
  });

  it('refuses an artifact named after another plugin', async () => {
    artifact('world', { file: 'copy.hotswap.js' });
    expect(await scanFails()).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID, plugin: 'world', stage: 'verify' });
  });

  it('with a cache, refuses an unchanged refused file again at every scan, and accepts it once it is fixed', async () => {
    const cache: ScanCache = new Map();
    const path = artifact('world', { file: 'copy.hotswap.js' });
    const scan = (): Promise<unknown> => scanPluginDir(dir, undefined, {}, cache).then(() => undefined, (e: unknown) => e);
    for (let i = 0; i < 3; i++) expect(await scan()).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID, plugin: 'world', stage: 'verify' });
    expect(cache.size).toBe(0);
    rmSync(path);
    artifact('copy');
    expect(await scan()).toBeUndefined();
    expect([...cache.keys()]).toEqual([join(dir, 'copy.hotswap.js')]);
  });
});

describe('entries refused before they are opened', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  it('a FIFO: refused at once, naming it', async () => {
    artifact('world');
    execFileSync('mkfifo', [join(dir, 'pipe.hotswap.js')]);
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE, stage: 'scan' });
    expect(error.message).toContain(`${join(dir, 'pipe.hotswap.js')} is a FIFO (named pipe)`);
  });

  it('a directory', async () => {
    artifact('world');
    mkdirSync(join(dir, 'x.hotswap.js'));
    chmodSync(join(dir, 'x.hotswap.js'), 0o755);
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE, stage: 'scan' });
    expect(error.message).toContain(`${join(dir, 'x.hotswap.js')} is a directory`);
  });

  it('a unix socket', async () => {
    artifact('world');
    const path = join(dir, 'sock.hotswap.js');
    const listening = createServer();
    server = listening;
    await new Promise<void>((resolve) => listening.listen(path, resolve));
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
    expect(error.message).toContain(`${path} is a socket`);
  });

  it('a device, through a link (which only an insecure directory may have)', async () => {
    artifact('world');
    symlinkSync('/dev/null', join(dir, 'null.hotswap.js'));
    expect(await scanFails()).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_INSECURE });
    const error = await scanFails({ allowInsecureDir: true });
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
    expect(error.message).toContain('is a character device');
  });

  it('a file larger than maxArtifactBytes; one of exactly that size loads', async () => {
    const path = artifact('world');
    const size = Buffer.byteLength(encodeArtifact(manifest('world'), 'module.exports = { name: "world" };\n').text);
    expect(await names({ maxArtifactBytes: size })).toEqual(['world']);
    const error = await scanFails({ maxArtifactBytes: size - 1 });
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_TOO_LARGE, stage: 'scan' });
    expect(error.message).toContain(`${path} is ${size} bytes, more than the ${size - 1} bytes`);
    expect(error.message).toContain('maxArtifactBytes');
  });

  it('a file larger than 64 MiB by default', async () => {
    artifact('world');
    const big = join(dir, 'big.hotswap.js');
    writeFileSync(big, '');
    chmodSync(big, 0o644);
    // Sparse: nothing is written, and a scan that read it whole would read 64 MiB of zeros.
    truncateSync(big, 64 * 1024 * 1024 + 1);
    expect(await scanFails()).toMatchObject({ code: ErrorCodes.ARTIFACT_TOO_LARGE });
    truncateSync(big, 64 * 1024 * 1024);
    // At the limit it is read, and refused for what it holds.
    expect(await scanFails()).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID });
  });

  it.each([0, -1, 1.5, Number.NaN, '100'])('refuses maxArtifactBytes %s', async (value) => {
    artifact('world');
    const error = await scanFails({ maxArtifactBytes: value as number });
    expect(error).toMatchObject({ code: ErrorCodes.INVALID_OPTION });
    expect(error.message).toContain('maxArtifactBytes');
  });

  it('reading a path that became a FIFO or a link after the checks neither blocks nor follows it', async () => {
    const fifo = join(dir, 'late.hotswap.js');
    execFileSync('mkfifo', [fifo]);
    await expect(readArtifactFile(fifo, 1000)).rejects.toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
    const link = join(dir, 'link.hotswap.js');
    symlinkSync(artifact('world'), link);
    await expect(readArtifactFile(link, 1000)).rejects.toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
    // The synchronous reader, which a scan uses for the few files an edit changes, likewise.
    expect(thrown(() => readArtifactFileSync(fifo, 1000))).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
    expect(thrown(() => readArtifactFileSync(link, 1000))).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
    expect(thrown(() => readArtifactFileSync(artifact('big', { code: 'x'.repeat(2000) }), 1000))).toMatchObject({ code: ErrorCodes.ARTIFACT_TOO_LARGE });
    expect(readArtifactFileSync(join(dir, 'world.hotswap.js'), 1000).text).toContain('"world"');
  });
});

describe('a scan of many changed files', () => {
  // A few changed files are read at once, more through the thread pool: both give the same answer and the same error.
  it.each([3, 12])('of %i artifacts: every one read and checked, and the first bad one by name is the error', async (count) => {
    const all = Array.from({ length: count }, (_, i) => `p${String(i).padStart(2, '0')}`);
    for (const name of all) artifact(name);
    const cache: ScanCache = new Map();
    expect((await scanPluginDir(dir, undefined, {}, cache)).map((a) => a.manifest.name)).toEqual(all);
    // Two broken in different ways, the later one by name refused before it is opened, the earlier one once read.
    const early = all[1]!;
    const late = all[count - 1]!;
    writeFileSync(join(dir, `${early}.hotswap.js`), 'not an artifact\n');
    chmodSync(join(dir, `${late}.hotswap.js`), 0o666);
    for (const name of all.slice(2, -1)) artifact(name, { code: `module.exports = { again: ${JSON.stringify(name)} };\n` });
    const error = await scanPluginDir(dir, undefined, {}, cache).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID });
    expect(isHotswapError(error) ? error.message : '').toContain(`${early}.hotswap.js`);
  });
});

describe('who may write the plugin directory and its artifacts', () => {
  it('refuses a group-writable artifact, and the directory, saying how to fix it', async () => {
    const path = artifact('world');
    chmodSync(path, 0o664);
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_INSECURE, stage: 'scan' });
    expect(error.message).toContain(`${path} is writable by its group (mode 0664)`);
    expect(error.message).toContain(`chmod g-w,o-w ${path}`);
    chmodSync(path, 0o644);
    chmodSync(dir, 0o775);
    expect((await scanFails()).message).toContain(`${dir} is writable by its group (mode 0775)`);
    chmodSync(dir, 0o755);
    expect(await names()).toEqual(['world']);
  });

  it('refuses a world-writable artifact and directory', async () => {
    const path = artifact('world');
    chmodSync(path, 0o646);
    expect((await scanFails()).message).toContain(`${path} is writable by every user (mode 0646)`);
    chmodSync(path, 0o644);
    chmodSync(dir, 0o1777);
    expect((await scanFails()).message).toContain(`${dir} is writable by its group and every user`);
  });

  it.skipIf(!isRoot)('refuses an artifact or a directory owned by another user', async () => {
    const path = artifact('world');
    chownSync(path, 12345, 12345);
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_INSECURE });
    expect(error.message).toContain(`${path} is owned by uid 12345, neither this host's user (uid 0) nor root`);
    expect(error.message).toContain(`chown 0 ${path}`);
    chownSync(path, 0, 0);
    chownSync(dir, 12345, 12345);
    expect((await scanFails()).message).toContain(`${dir} is owned by uid 12345`);
    chownSync(dir, 0, 0);
    expect(await names()).toEqual(['world']);
  });

  it('accepts a link to a file in the plugin directory; refuses one outside it or in a directory below it', async () => {
    artifact('world', { file: '.world-1.0.0.js' });
    symlinkSync('.world-1.0.0.js', join(dir, 'world.hotswap.js'));
    expect(await names()).toEqual(['world']);
    mkdirSync(join(root, 'elsewhere'));
    chmodSync(join(root, 'elsewhere'), 0o755);
    const outside = artifact('other', { where: join(root, 'elsewhere') });
    symlinkSync(outside, join(dir, 'other.hotswap.js'));
    const error = await scanFails();
    expect(error).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_INSECURE, stage: 'scan' });
    expect(error.message).toContain(`${join(dir, 'other.hotswap.js')} is a symbolic link to ${outside}, outside the plugin directory`);
    rmSync(join(dir, 'other.hotswap.js'));
    mkdirSync(join(dir, 'sub'));
    chmodSync(join(dir, 'sub'), 0o755);
    const below = artifact('other', { where: join(dir, 'sub') });
    symlinkSync(below, join(dir, 'other.hotswap.js'));
    expect(await scanFails()).toMatchObject({ code: ErrorCodes.PLUGIN_DIR_INSECURE });
  });

  it('allowInsecureDir skips these checks, but not the file checks', async () => {
    const path = artifact('world');
    chmodSync(path, 0o666);
    chmodSync(dir, 0o777);
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(artifact('other', { where: join(root, 'elsewhere') }), join(dir, 'other.hotswap.js'));
    expect(await names({ allowInsecureDir: true })).toEqual(['other', 'world']);
    execFileSync('mkfifo', [join(dir, 'pipe.hotswap.js')]);
    expect(await scanFails({ allowInsecureDir: true })).toMatchObject({ code: ErrorCodes.ARTIFACT_NOT_A_FILE });
  });

  it('accepts a plugin directory that is itself a link, as a release switch makes', async () => {
    artifact('world');
    const link = join(root, 'current');
    symlinkSync(dir, link);
    expect((await scanPluginDir(link)).map((a) => a.path)).toEqual([join(link, 'world.hotswap.js')]);
  });
});

describe('the selection checks, without a directory', () => {
  const dirSource = { kind: 'dir', dir: 'bin' } as const;
  const staticSource = { kind: 'static' } as const;
  const self = (name: string): string => name;

  it('applyWhitelist keeps the names it allows, without case, in order; no or an empty whitelist keeps all', () => {
    expect(applyWhitelist(['b', 'A', 'c'], ['a', 'B'], self)).toEqual(['b', 'A']);
    expect(applyWhitelist(['b', 'A'], undefined, self)).toEqual(['b', 'A']);
    expect(applyWhitelist(['b', 'A'], [], self)).toEqual(['b', 'A']);
    expect(applyWhitelist([{ name: 'x' }, { name: 'y' }], ['Y'], (p) => p.name)).toEqual([{ name: 'y' }]);
  });

  it('checkDuplicates names both, with where they came from', () => {
    expect(() => checkDuplicates(['a', 'b'], self, dirSource)).not.toThrow();
    const fromDir = thrown(() => checkDuplicates(['Foo', 'b', 'foo'], self, dirSource, (n) => `bin/${n}.hotswap.js`));
    expect(fromDir).toMatchObject({ code: ErrorCodes.DUPLICATE_PLUGIN, plugin: 'foo', stage: 'scan' });
    expect(fromDir.message).toContain('"Foo" and "foo" (names are compared without case): bin/Foo.hotswap.js and bin/foo.hotswap.js');
    const fromStatic = thrown(() => checkDuplicates(['x', 'x'], self, staticSource));
    expect(fromStatic.code).toBe(ErrorCodes.DUPLICATE_PLUGIN);
    expect(fromStatic.message).toContain('two static plugins are named "x"');
  });

  it('checkWhitelistFound refuses the first whitelisted name not found, without case', () => {
    expect(() => checkWhitelistFound(['Alpha'], ['alpha'], dirSource)).not.toThrow();
    expect(() => checkWhitelistFound([], undefined, dirSource)).not.toThrow();
    const error = thrown(() => checkWhitelistFound(['alpha'], ['alpha', 'ghost'], staticSource));
    expect(error).toMatchObject({ code: ErrorCodes.WHITELIST_MISSING, plugin: 'ghost' });
    expect(error.message).toContain('no static plugin has that name');
  });

  it('checkNotEmpty refuses nothing to serve, saying whether the whitelist left it empty', () => {
    expect(() => checkNotEmpty(1, dirSource)).not.toThrow();
    const fromDir = thrown(() => checkNotEmpty(0, dirSource, true));
    expect(fromDir.code).toBe(ErrorCodes.PLUGIN_DIR_EMPTY);
    expect(fromDir.message).toContain('bin holds no plugin artifact (*.hotswap.js) that the whitelist allows');
    const fromStatic = thrown(() => checkNotEmpty(0, staticSource));
    expect(fromStatic.code).toBe(ErrorCodes.PLUGIN_DIR_EMPTY);
    expect(fromStatic.message).toContain('`staticPlugins`');
  });
});
