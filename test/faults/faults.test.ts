// Every fault a user can feed a running host, one case each: the reload
// fails with its class and stable code, the message names the plugin and
// the stage where they apply, the serving generation answers exactly as
// before, and every new version that had started got its OnFree.
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError, BuildErrorCodes } from '@hotswap/cli';
import { ErrorCodes, HotswapError, isHotswapError, Swapper, type SwapperOptions } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { loggingPlugin } from '../helpers/plugins.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let log: string[];
let swapper: Swapper;
const keys = generateKeyPairSync('ed25519');
const otherKeys = generateKeyPairSync('ed25519');
const isRoot = process.getuid?.() === 0;

const source = loggingPlugin;

async function start(options: Partial<SwapperOptions> = {}, sign = false): Promise<void> {
  ws.plugin('steady', { 'index.ts': source('s1') });
  ws.plugin('target', { 'index.ts': source('t1') });
  await ws.build({ shared: ['test-log'], ...(sign ? { signingKey: keys.privateKey } : {}) });
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0, hookTimeout: 300, ...options });
  await swapper.load(undefined);
  log.length = 0;
}

beforeEach(() => {
  ws = workspace();
  log = [];
});
afterEach(async () => {
  await swapper?.close().catch(() => undefined);
  chmodSync(ws.bin, 0o755);
  ws.cleanup();
});

/** Builds `target` (and `later`, so some new version starts before a late failure) from new sources. */
async function change(target: string, options: { later?: boolean } = {}): Promise<void> {
  ws.plugin('target', { 'index.ts': target });
  if (options.later !== false) ws.plugin('later', { 'index.ts': source('l1') });
  await ws.build({ shared: ['test-log'], include: /^(target|later)$/ });
}

async function reloadFails(): Promise<HotswapError> {
  const error = await swapper.reload().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error(`the reload should have failed, got ${String(error)}`);
  expect(error).toBeInstanceOf(HotswapError);
  return error;
}

function servingAsBefore(): void {
  expect(swapper.current.id).toBe(1);
  expect(swapper.current.plugins.map((p) => `${p.name} ${p.state}`)).toEqual(['steady serving', 'target serving']);
  expect(swapper.current.invoke('steady', 'whoami')).toBe('s1');
  expect(swapper.current.invoke('target', 'whoami')).toBe('t1');
}

/** Every version whose OnLoad ran in the failed reload got exactly one OnFree (a failing OnLoad counts as started). */
function startedWereFreed(): void {
  const loaded = log.filter((l) => l.endsWith(' onLoad')).map((l) => l.replace(' onLoad', ''));
  const freed = log.filter((l) => l.endsWith(' onFree')).map((l) => l.replace(' onFree', ''));
  expect(new Set(freed).size).toBe(freed.length);
  for (const label of loaded) expect(freed).toContain(label);
  expect(freed).not.toContain('s1');
  expect(freed).not.toContain('t1');
}

interface Case {
  name: string;
  options?: Partial<SwapperOptions>;
  signed?: boolean;
  fault: () => Promise<void> | void;
  code: string;
  plugin?: string;
  stage?: string;
  skip?: boolean;
}

const artifact = (): string => join(ws.bin, 'target.hotswap.js');
const hooks = ['reloadable', 'export', 'import', 'onLoad', 'onInit'] as const;

const cases: Case[] = [
  // Artifacts.
  { name: 'a truncated artifact', fault: () => writeFileSync(artifact(), readFileSync(artifact(), 'utf8').slice(0, -40)), code: ErrorCodes.ARTIFACT_HASH_MISMATCH, plugin: 'target', stage: 'verify' },
  { name: 'a file that is not an artifact', fault: () => writeFileSync(artifact(), 'module.exports = 42;\n'), code: ErrorCodes.ARTIFACT_INVALID, stage: 'verify' },
  { name: 'a bundle that does not match its hash', fault: () => writeFileSync(artifact(), readFileSync(artifact(), 'utf8').replace("'t1'", "'t9'").replace('"t1"', '"t9"')), code: ErrorCodes.ARTIFACT_HASH_MISMATCH, plugin: 'target', stage: 'verify' },
  { name: 'an artifact built against another major core', fault: () => writeFileSync(artifact(), readFileSync(artifact(), 'utf8').replace(/"core":"[^"]+"/, '"core":"7.0.0"')), code: ErrorCodes.ARTIFACT_INCOMPATIBLE, plugin: 'target', stage: 'verify' },
  { name: 'two artifacts for one name', fault: () => writeFileSync(join(ws.bin, 'TARGET.hotswap.js'), readFileSync(artifact(), 'utf8').replace('"name":"target"', '"name":"TARGET"')), code: ErrorCodes.DUPLICATE_PLUGIN, stage: 'scan' },
  { name: 'an unsigned artifact on a host that wants signatures', signed: true, options: { publicKey: keys.publicKey }, fault: () => change(source('t2'), { later: false }), code: ErrorCodes.ARTIFACT_UNSIGNED, plugin: 'target', stage: 'verify' },
  {
    name: 'an artifact signed with another key',
    signed: true,
    options: { publicKey: keys.publicKey },
    fault: async () => {
      ws.plugin('target', { 'index.ts': source('t2') });
      await ws.build({ shared: ['test-log'], include: /^target$/, signingKey: otherKeys.privateKey });
    },
    code: ErrorCodes.ARTIFACT_SIGNATURE_INVALID,
    plugin: 'target',
    stage: 'verify',
  },
  { name: 'a plugin directory writable by every user', fault: () => chmodSync(ws.bin, 0o777), code: ErrorCodes.PLUGIN_DIR_INSECURE, stage: 'scan' },
  // Hooks, thrown and rejected.
  ...hooks.map((hook): Case => ({ name: `${hook} throwing`, fault: () => change(source('t2', `${hook}() { throw new Error('${hook} broke'); },`)), code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: hook })),
  ...hooks.map((hook): Case => ({ name: `async ${hook} rejecting`, fault: () => change(source('t2', `async ${hook}() { await null; throw new Error('${hook} broke'); },`)), code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: hook })),
  { name: 'a hook that never settles', fault: () => change(source('t2', 'onInit: () => new Promise(() => {}),')), code: ErrorCodes.HOOK_TIMEOUT, plugin: 'target', stage: 'onInit' },
  { name: 'top-level code that throws', fault: () => change(source('t2', '', "throw new Error('top-level broke');")), code: ErrorCodes.EVALUATE_FAILED, plugin: 'target', stage: 'evaluate' },
  { name: 'a default export that is not a plugin', fault: () => change(`export default { onload() {} };`), code: ErrorCodes.PLUGIN_INVALID, plugin: 'target', stage: 'evaluate' },
  { name: 'a state handoff that throws', fault: () => change(source('t2', `takeState() { throw new Error('cannot take'); },`)), code: ErrorCodes.HANDOFF_FAILED, plugin: 'target', stage: 'takeState' },
  // A default export that is not the definition itself, though it holds or makes one.
  { name: 'a default export that is a promise of a definition', fault: () => change(`import { definePlugin } from '@hotswap/core/plugin';\nexport default (async () => definePlugin({ functions: { whoami: () => 't2' } }))();`), code: ErrorCodes.PLUGIN_INVALID, plugin: 'target', stage: 'evaluate' },
  { name: 'a default export that is a Map', fault: () => change(`export default new Map([['functions', {}]]);`), code: ErrorCodes.PLUGIN_INVALID, plugin: 'target', stage: 'evaluate' },
  { name: 'a default export that is a Date', fault: () => change(`export default new Date();`), code: ErrorCodes.PLUGIN_INVALID, plugin: 'target', stage: 'evaluate' },
  { name: 'setup that returns a promise', fault: () => change(`import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ setup: async () => ({ whoami: () => 't2' }) });`), code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: 'onLoad' },
  // Getters and traps in the definition are plugin code: what they throw names the plugin.
  { name: 'a getter of the import object that throws', fault: () => change(source('t2', `import: { get steady(): string { throw new Error('import getter'); } },`)), code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: 'import' },
  { name: 'an import object whose ownKeys trap throws', fault: () => change(source('t2', `import: new Proxy({}, { ownKeys() { throw new Error('trap'); } }),`)), code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: 'import' },
  { name: 'a getter of the functions table that throws', fault: () => change(`import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { get whoami(): () => string { throw new Error('fn getter'); } } });`), code: ErrorCodes.PLUGIN_INVALID, plugin: 'target', stage: 'evaluate' },
  // Artifacts that are symbolic links leading nowhere.
  { name: 'an artifact that is a dangling symbolic link', fault: () => { rmSync(artifact()); symlinkSync(join(ws.bin, 'nope.js'), artifact()); }, code: ErrorCodes.ARTIFACT_NOT_A_FILE, stage: 'scan' },
  { name: 'an artifact that is a symbolic link to itself', fault: () => { rmSync(artifact()); symlinkSync(artifact(), artifact()); }, code: ErrorCodes.ARTIFACT_NOT_A_FILE, stage: 'scan' },
  // The set of plugins.
  { name: 'a plugin directory that is missing', fault: () => swapper.resetPluginDir(join(ws.root, 'missing')), code: ErrorCodes.PLUGIN_DIR_MISSING, stage: 'scan' },
  { name: 'an empty plugin directory', fault: () => { mkdirSync(join(ws.root, 'empty')); swapper.resetPluginDir(join(ws.root, 'empty')); }, code: ErrorCodes.PLUGIN_DIR_EMPTY, stage: 'scan' },
  { name: 'an unreadable plugin directory', skip: isRoot, fault: () => chmodSync(ws.bin, 0o000), code: ErrorCodes.PLUGIN_DIR_UNREADABLE, stage: 'scan' },
  { name: 'a whitelist naming a missing plugin', options: { whitelist: ['steady', 'target'] }, fault: () => rmSync(artifact()), code: ErrorCodes.WHITELIST_MISSING, plugin: 'target', stage: 'scan' },
  { name: 'an unknown dependency', fault: () => change(source('t2', `import: { ghost: '*' },`)), code: ErrorCodes.DEP_UNKNOWN, plugin: 'target', stage: 'link' },
  { name: 'a dependency cycle', fault: () => change(source('t2', `import: { later: '*' },`), { later: true }).then(async () => { ws.plugin('later', { 'index.ts': source('l1', `import: { target: '*' },`) }); await ws.build({ shared: ['test-log'], include: /^later$/ }); }), code: ErrorCodes.DEP_CYCLE, plugin: 'later', stage: 'link' },
  { name: 'a dependency outside its range', fault: () => change(source('t2', `import: { steady: '^2' },`)), code: ErrorCodes.DEP_VERSION, plugin: 'target', stage: 'link' },
  { name: 'a range that is not semver', fault: () => change(source('t2', `import: { steady: 'newest' },`)), code: ErrorCodes.DEP_RANGE_INVALID, plugin: 'target', stage: 'link' },
  { name: 'a not-reloadable plugin importing a reloadable one', fault: () => change(source('t2', `reloadable: false, import: { steady: '*' },`)), code: ErrorCodes.DEP_NOT_RELOADABLE, plugin: 'target', stage: 'link' },
  {
    name: 'removing a plugin others import',
    fault: async () => {
      await change(source('t2', `import: { later: '*' },`));
      await swapper.reload();
      log.length = 0;
      ws.remove('later');
    },
    code: ErrorCodes.DEP_REMOVED,
    plugin: 'target',
    stage: 'link',
  },
  { name: 'a live name in two plugins', fault: () => change(source('t2', '', 'export const live_same = () => 1;')).then(async () => { ws.plugin('later', { 'index.ts': source('l1', '', 'export const live_same = () => 2;') }); await ws.build({ shared: ['test-log'], include: /^later$/ }); }), code: ErrorCodes.LIVE_COLLISION, stage: 'vault' },
  { name: 'a reload callback that throws', options: { reloadCallback: (next) => { if (next.id > 1) throw new Error('no'); } }, fault: () => change(source('t2')), code: ErrorCodes.RELOAD_CALLBACK_FAILED, stage: 'callback' },
  { name: 'a reload callback that vetoes', options: { reloadCallback: (next) => next.id === 1 }, fault: () => change(source('t2')), code: ErrorCodes.RELOAD_VETOED, stage: 'callback' },
];

describe('a reload that meets a fault fails, and the serving generation answers as before', () => {
  for (const c of cases) {
    it.skipIf(c.skip === true)(c.name, async () => {
      await start(c.options, c.signed);
      if (c.name === 'removing a plugin others import') {
        await c.fault();
        const error = await reloadFails();
        expect(error.code).toBe(c.code);
        expect(swapper.current.invoke('target', 'whoami')).toBe('t2');
        return;
      }
      await c.fault();
      const error = await reloadFails();
      expect(error.code).toBe(c.code);
      if (c.stage !== undefined) expect(error.stage).toBe(c.stage);
      if (c.plugin !== undefined) {
        expect(error.plugin).toBe(c.plugin);
        expect(error.message).toContain(c.plugin);
      }
      expect(error.message.length).toBeGreaterThan(30);
      chmodSync(ws.bin, 0o755);
      servingAsBefore();
      startedWereFreed();
      expect(swapper.status().lastReload).toMatchObject({ ok: false, code: c.code });
    });
  }
});

describe('faults outside a reload', () => {
  it('a function name that every object inherits reaches no function: HOTSWAP_FUNC_NOT_FOUND, through a handle and a generation', async () => {
    await start();
    const handle = swapper.handle('target');
    for (const name of ['toString', 'valueOf', 'constructor', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf']) {
      expect(thrown(() => handle.invoke(name))).toMatchObject({ code: ErrorCodes.FUNC_NOT_FOUND, plugin: 'target' });
      expect(thrown(() => swapper.current.invoke('target', name))).toMatchObject({ code: ErrorCodes.FUNC_NOT_FOUND, plugin: 'target' });
    }
    expect(handle.invoke('whoami')).toBe('t1');
    // A plugin may still offer a function of such a name itself.
    await change(source('t2', `functions: { whoami: () => 't2', toString: () => 'its own' },`).replace("functions: { whoami: () => 't2' },", ''), { later: false });
    await swapper.reload();
    expect(handle.invoke('toString')).toBe('its own');
  });


  it('OnFree that throws at retirement is reported; the reload stands', async () => {
    ws.plugin('target', { 'index.ts': source('t1', `onFree() { throw new Error('free broke'); },`) });
    ws.plugin('steady', { 'index.ts': source('s1') });
    await ws.build({ shared: ['test-log'] });
    swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0 });
    await swapper.load(undefined);
    const failures: string[] = [];
    swapper.on('version:free-failure', (e) => failures.push(`${e.plugin} ${(e.error as Error).message}`));
    await change(source('t2'), { later: false });
    await swapper.reload();
    await swapper.settled();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^target plugin "target": onFree failed: free broke \(at .*plugins\/target\/index\.ts:\d+:\d+\)$/);
    expect(swapper.current.invoke('target', 'whoami')).toBe('t2');
  });

  it('a plugin function that throws or rejects: the caller gets the error, the generation is unharmed', async () => {
    await start();
    await change(source('t2', `invokeFunc(name: string) { if (name === 'sync') throw new RangeError('sync'); return Promise.reject(new TypeError('async')); },`), { later: false });
    await swapper.reload();
    expect(() => swapper.current.invoke('target', 'sync')).toThrowError(RangeError);
    await expect(swapper.current.invoke('target', 'async') as Promise<unknown>).rejects.toThrowError(TypeError);
    expect(swapper.current.find('target')?.inflight).toBe(0);
    expect(swapper.current.invoke('steady', 'whoami')).toBe('s1');
  });

  it('a reload started while another runs waits for it; 100 requested at once all succeed in turn', async () => {
    await start();
    await change(source('t2', `async onLoad() { log.push('t2 start'); await new Promise((r) => setTimeout(r, 50)); log.push('t2 end'); },`), { later: false });
    const first = swapper.reload();
    const second = swapper.reload();
    const [a, b] = await Promise.all([first, second]);
    expect([a.generation, b.generation]).toEqual([2, 3]);
    expect(log.filter((l) => l.startsWith('t2 '))).toEqual(['t2 start', 't2 end']);
    const many = await Promise.all(Array.from({ length: 100 }, () => swapper.reload()));
    expect(many.map((d) => d.generation)).toEqual(Array.from({ length: 100 }, (_, i) => i + 4));
    expect(swapper.reloadCounter).toBe(102);
    expect(swapper.current.invoke('target', 'whoami')).toBe('t2');
  });
});

describe('build faults write nothing, and the artifacts a host serves stay as they were', () => {
  const builds: Array<[string, string, string]> = [
    ['a syntax error', `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { f: () => ( } });`, BuildErrorCodes.BUNDLE_FAILED],
    ['an import that does not resolve', `import { definePlugin } from '@hotswap/core/plugin';\nimport { x } from './nope.js';\nexport default definePlugin({ functions: { x } });`, BuildErrorCodes.BUNDLE_FAILED],
    ['an entry with no plugin definition', `export const nothing = 1;`, BuildErrorCodes.NO_DEFINITION],
  ];
  it.each(builds)('%s', async (_what, text, code) => {
    await start();
    const before = readFileSync(artifact(), 'utf8');
    ws.plugin('target', { 'index.ts': text });
    const error = await ws.build({ shared: ['test-log'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).code).toBe(code);
    expect((error as BuildError).plugin).toBe('target');
    expect((error as BuildError).stage).toBe('build');
    expect(readFileSync(artifact(), 'utf8')).toBe(before);
    await swapper.reload();
    expect(swapper.current.invoke('target', 'whoami')).toBe('t1');
  });

  it.skipIf(isRoot)('an output directory that is not writable', async () => {
    await start();
    const before = readFileSync(artifact(), 'utf8');
    chmodSync(ws.bin, 0o555);
    ws.plugin('target', { 'index.ts': source('t2') });
    const error = await ws.build({ shared: ['test-log'] }).catch((e: unknown) => e);
    chmodSync(ws.bin, 0o755);
    expect((error as BuildError).code).toBe(BuildErrorCodes.OUTPUT_UNWRITABLE);
    expect(readFileSync(artifact(), 'utf8')).toBe(before);
    rmSync(join(ws.root, 'unused'), { force: true });
  });
});
