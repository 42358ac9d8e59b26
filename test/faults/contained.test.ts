// Nothing a plugin does takes the host down: teardown that throws, hostile
// thrown values, listeners that throw, callbacks that never settle, replays
// of old signed builds, malformed definitions and synchronous endless loops
// each end as a typed error or a reported event, and the serving generation
// keeps serving. The cases that could kill a process run in a real host.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, HotswapError, isHotswapError, Swapper, type SwapperOptions } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start as spawnChild, type Child } from '../helpers/child.js';
import { loggingPlugin } from '../helpers/plugins.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let ws: Workspace;
let log: string[];
let swapper: Swapper | undefined;
const children: Child[] = [];

beforeEach(() => {
  ws = workspace();
  log = [];
});
afterEach(async () => {
  await swapper?.close().catch(() => undefined);
  swapper = undefined;
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  ws.cleanup();
});

const source = loggingPlugin;

async function build(plugins: Record<string, string>, options: { include?: RegExp; signingKey?: string } = {}): Promise<void> {
  for (const [name, text] of Object.entries(plugins)) ws.plugin(name, { 'index.ts': text });
  await ws.build({ shared: ['test-log'], ...options });
}

async function load(options: Partial<SwapperOptions> = {}): Promise<Swapper> {
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0, hookTimeout: 300, ...options });
  await swapper.load(undefined);
  return swapper;
}

async function failure(s: Swapper, options?: Parameters<Swapper['reload']>[0]): Promise<HotswapError> {
  const error: unknown = await s.reload(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HotswapError)) throw new Error(`the reload should have failed with a HotswapError, got ${String(error)}`);
  return error;
}

describe('hostile thrown values', () => {
  const hostile: Array<[string, string]> = [
    ['a Proxy whose every trap throws', `const trap = () => { throw new Error('trap'); };
      throw new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, apply: trap });`],
    ['an Error whose message getter throws', `const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw new Error('getter'); } }); throw e;`],
    ['an Error whose stack getter throws', `const e = new Error('x'); Object.defineProperty(e, 'stack', { get() { throw new Error('getter'); } }); throw e;`],
    ['a symbol', `throw Symbol('odd');`],
  ];
  it.each(hostile)('%s: the reload fails typed, reload:failure is emitted, lastReload names plugin and stage', async (_what, body) => {
    await build({ steady: source('s1'), target: source('t1') });
    const s = await load();
    const failures: HotswapError[] = [];
    s.on('reload:failure', (e) => failures.push(e));
    await build({ target: source('t2', `onInit() { ${body} },`) }, { include: /^target$/ });
    const error = await failure(s);
    expect(isHotswapError(error)).toBe(true);
    expect(error.code).toBe(ErrorCodes.HOOK_FAILED);
    expect(error.plugin).toBe('target');
    expect(error.stage).toBe('onInit');
    expect(failures).toEqual([error]);
    expect(s.status().lastReload).toMatchObject({ ok: false, code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: 'onInit' });
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
    expect(log).toContain('t2 onFree');
  });

  // Export runs inside the top level's bounded run (the lead): the same values come out the same way there.
  it.each(hostile)('%s, thrown from Export: the reload fails typed and names the stage', async (_what, body) => {
    await build({ steady: source('s1'), target: source('t1') });
    const s = await load();
    await build({ target: source('t2', `export() { ${body} },`) }, { include: /^target$/ });
    const error = await failure(s);
    expect(error).toMatchObject({ code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: 'export' });
    expect(s.status().lastReload).toMatchObject({ ok: false, code: ErrorCodes.HOOK_FAILED, plugin: 'target', stage: 'export' });
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
  });

  it('isHotswapError never throws, whatever it is given', () => {
    const trap = (): never => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, getOwnPropertyDescriptor: trap });
    expect(isHotswapError(proxy)).toBe(false);
    expect(isHotswapError(Symbol('x'))).toBe(false);
    expect(isHotswapError(null)).toBe(false);
  });
});

describe('teardown is contained', () => {
  it('onRetire teardowns run at retirement, last registered first, each isolated, before OnFree', async () => {
    await build({
      target: source('t1', `onInit(ctx) {
        ctx.onRetire(() => { log.push('first registered'); });
        ctx.onRetire(() => { throw new Error('teardown broke'); });
        ctx.onRetire(async () => { await null; log.push('last registered'); });
      },`),
    });
    const s = await load();
    const failures: string[] = [];
    s.on('version:teardown-failure', (e) => failures.push(`${e.plugin} ${e.version} ${e.stage} ${e.error.code}`));
    await build({ target: source('t2') });
    await s.reload();
    await s.settled();
    expect(log.filter((l) => !l.endsWith('onLoad'))).toEqual(['last registered', 'first registered', 't1 onFree']);
    expect(failures).toEqual(['target 1.0.0 onRetire HOTSWAP_TEARDOWN_FAILED']);
    expect(s.current.invoke('target', 'whoami')).toBe('t2');
  });

  it('an onRetire teardown registered after the version retired runs at once, and its failure is reported', async () => {
    await build({
      target: source('t1', `onLoad(ctx) {
        log.push('t1 onLoad');
        ctx.signal.addEventListener('abort', () => setTimeout(() => {
          ctx.onRetire(() => { log.push('late teardown ran'); });
          ctx.onRetire(() => { throw new Error('late teardown broke'); });
          log.push('after late onRetire');
        }, 10));
      },`),
    });
    const s = await load({ freeDelay: 100 });
    const failures: string[] = [];
    s.on('version:teardown-failure', (e) => failures.push(`${e.plugin} ${e.stage} ${e.error.code}`));
    await build({ target: source('t2') });
    await s.reload();
    await new Promise((r) => setTimeout(r, 60));
    expect(log.filter((l) => !l.endsWith('onLoad'))).toEqual(['late teardown ran', 'after late onRetire']);
    expect(failures).toEqual(['target onRetire HOTSWAP_TEARDOWN_FAILED']);
    await s.settled();
  });

  it('onRetire teardowns of a version whose reload failed run too', async () => {
    await build({ target: source('t1') });
    const s = await load();
    await build({ target: source('t2', `onLoad(ctx) { ctx.onRetire(() => log.push('t2 retired')); }, onInit() { throw new Error('no'); },`) });
    expect((await failure(s)).stage).toBe('onInit');
    expect(log).toEqual(['t1 onLoad', 't2 retired', 't2 onFree']);
  });

  // Export and Import run in the top level's bounded run: a failure there still tears down what Export set up.
  it.each([
    ['an Import that returns no import spec', 'import() { return 5; },', ErrorCodes.PLUGIN_INVALID],
    ['an Import that never ends', 'import() { while (Date.now() > 0) {} return {}; },', ErrorCodes.HOOK_TIMEOUT],
    ['an import object with a range that is not a string', 'import: { other: 5 },', ErrorCodes.DEP_RANGE_INVALID],
  ])('onRetire teardowns and abort listeners registered in Export run when the reload fails at %s', async (_what, extra, code) => {
    await build({ target: source('t1') });
    const s = await load({ hookTimeout: 200 });
    const exportHook = "export(ctx) { ctx.onRetire(() => log.push('t2 retired')); ctx.signal.addEventListener('abort', () => log.push('t2 aborted')); return {}; },";
    await build({ target: source('t2', `${exportHook} ${extra}`) });
    const error = await failure(s);
    expect(error.code).toBe(code);
    expect(error.plugin).toBe('target');
    expect(log).toEqual(['t1 onLoad', 't2 aborted', 't2 retired']);
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
  });
});

describe('event listeners run isolated', () => {
  it('a listener that throws, or rejects, does not silence the others', async () => {
    await build({ target: source('t1') });
    const s = await load();
    const heard: string[] = [];
    s.on('reload:success', () => {
      throw new Error('listener broke');
    });
    s.on('reload:success', () => Promise.reject(new Error('async listener broke')) as unknown as void);
    s.on('reload:success', (details) => heard.push(`second heard generation ${details.generation}`));
    s.once('reload:success', () => heard.push('once'));
    await build({ target: source('t2') });
    await s.reload();
    await s.reload();
    expect(heard).toEqual(['second heard generation 2', 'once', 'second heard generation 3']);
  });
});

describe('reload callbacks have a time limit', () => {
  it('a callback that never settles fails that reload, and the next one runs', async () => {
    await build({ target: source('t1') });
    const s = await load();
    await build({ target: source('t2') });
    const error = await failure(s, { callback: () => new Promise<boolean>(() => {}) });
    expect(error.code).toBe(ErrorCodes.RELOAD_CALLBACK_TIMEOUT);
    expect(error.stage).toBe('callback');
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
    expect(log).toContain('t2 onFree');
    await s.reload();
    expect(s.current.invoke('target', 'whoami')).toBe('t2');
  });

  // 80 + 340 ms in one run against a limit of 400 would stop the second piece after 320 ms of its own.
  const spin = (ms: number): string => `{ const until = Date.now() + ${ms}; while (Date.now() < until) {} }`;

  it('a top level that starts late in a shared run still gets the whole limit', async () => {
    await build({ a: source('a1'), b: source('b1') });
    const s = await load({ hookTimeout: 400 });
    await build({ a: source('a2', '', spin(80)), b: source('b2', '', spin(340)) });
    await s.reload();
    expect([s.current.invoke('a', 'whoami'), s.current.invoke('b', 'whoami')]).toEqual(['a2', 'b2']);
  });

  it('a takeState that starts late in the commit still gets the whole limit', async () => {
    await build({ a: source('a1'), b: source('b1') });
    const s = await load({ hookTimeout: 400 });
    await build({ a: source('a2', `takeState() { ${spin(80)} },`), b: source('b2', `takeState() { ${spin(340)} },`) });
    await s.reload();
    expect([s.current.invoke('a', 'whoami'), s.current.invoke('b', 'whoami')]).toEqual(['a2', 'b2']);
  });

  it('abort listeners of a version retired after another one\'s still get the whole limit', async () => {
    const listener = (ms: number): string => `onLoad(ctx) { ctx.signal.addEventListener('abort', () => ${spin(ms)}); },`;
    await build({ a: source('a1', listener(80)), b: source('b1', listener(340)) });
    const s = await load({ hookTimeout: 400 });
    const failures: string[] = [];
    s.on('version:teardown-failure', (e) => failures.push(`${e.plugin} ${e.stage}`));
    await build({ a: source('a2'), b: source('b2') });
    await s.reload();
    await s.settled();
    expect(failures).toEqual([]);
    expect(log).toEqual(expect.arrayContaining(['a1 onFree', 'b1 onFree']));
  });
});

describe('replaying an older signed artifact', () => {
  const keys = generateKeyPairSync('ed25519');
  const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('is refused with its own code unless the reload asks for a rollback', async () => {
    await build({ target: source('t1') }, { signingKey: privateKey });
    const old = readFileSync(join(ws.bin, 'target.hotswap.js'));
    await new Promise((r) => setTimeout(r, 5));
    const s = await load({ publicKey: keys.publicKey });
    await build({ target: source('t2') }, { signingKey: privateKey });
    await s.reload();
    writeFileSync(join(ws.bin, 'target.hotswap.js'), old);
    const error = await failure(s);
    expect(error.code).toBe(ErrorCodes.ARTIFACT_REPLAYED);
    expect(error.plugin).toBe('target');
    expect(error.stage).toBe('verify');
    expect(error.message).toContain('rollback');
    expect(s.current.invoke('target', 'whoami')).toBe('t2');
    await s.reload({ rollback: true });
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
  });

  it('is not checked on a host that does not verify signatures', async () => {
    await build({ target: source('t1') });
    const old = readFileSync(join(ws.bin, 'target.hotswap.js'));
    const s = await load();
    await new Promise((r) => setTimeout(r, 5));
    await build({ target: source('t2') });
    await s.reload();
    writeFileSync(join(ws.bin, 'target.hotswap.js'), old);
    await s.reload();
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
  });
});

describe('definitions the docs call invalid', () => {
  const invalid: Array<[string, string, string, string]> = [
    ['import as an array', `import: ['steady'] as never,`, ErrorCodes.PLUGIN_INVALID, 'evaluate'],
    ['an import hook returning an array', `import: () => ['steady'] as never,`, ErrorCodes.PLUGIN_INVALID, 'import'],
    ['reloadable returning a string', `reloadable: () => 'yes' as never,`, ErrorCodes.PLUGIN_INVALID, 'reloadable'],
    ['an import naming one plugin twice', `import: { steady: '*', STEADY: '*' },`, ErrorCodes.PLUGIN_INVALID, 'import'],
    ['an import hook naming one plugin twice', `import: () => ({ steady: '*', Steady: '^1' }),`, ErrorCodes.PLUGIN_INVALID, 'import'],
  ];
  it.each(invalid)('%s is a typed error at load', async (_what, extra, code, stage) => {
    await build({ steady: source('s1'), target: source('t1') });
    const s = await load();
    await build({ target: source('t2', extra) }, { include: /^target$/ });
    const error = await failure(s);
    expect(error.code).toBe(code);
    expect(error.stage).toBe(stage);
    expect(error.plugin).toBe('target');
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
  });
});

describe('smaller defects', () => {
  it('generation.hold() gives back the holds it took when a later one fails', async () => {
    await build({ alpha: source('a1'), target: source('t1') });
    const s = await load();
    const first = s.current;
    await build({ alpha: source('a2') }, { include: /^alpha$/ });
    await s.reload();
    await s.settled();
    // alpha of the first generation is freed; target is carried over and still serves.
    expect(() => first.hold()).toThrowError(expect.objectContaining({ code: ErrorCodes.VERSION_FREED }) as Error);
    expect(s.current.find('target')?.inflight).toBe(0);
  });

  it('swapper.handle(name) is one handle per name, compared without case', async () => {
    await build({ target: source('t1') });
    const s = await load();
    expect(s.handle('target')).toBe(s.handle('TARGET'));
    expect(s.handle('target').invoke('whoami')).toBe('t1');
  });

  it('the "version freed" error names the function the caller asked for', async () => {
    await build({ target: source('t1'), other: source('o1', `invokeFunc: (name: string) => name,`) });
    const s = await load();
    const first = s.current;
    const whoami = first.handle('target').fn('whoami');
    const viaInvokeFunc = first.handle('other').fn('anything');
    expect(whoami()).toBe('t1');
    expect(viaInvokeFunc()).toBe('anything');
    await build({ target: source('t2'), other: source('o2', `invokeFunc: (name: string) => name,`) });
    await s.reload();
    await s.settled();
    expect(whoami).toThrowError(/"whoami" cannot run on it/);
    expect(viaInvokeFunc).toThrowError(/"anything" cannot run on it/);
  });
});

describe('OnFree waits for the calls that began while the version retired', () => {
  // Logs when a call of `work` starts and ends, and OnFree.
  const worker = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
import { log } from 'test-log';
export default definePlugin({
  onFree() { log.push('${label} onFree'); },
  functions: {
    whoami: () => '${label}',
    work: async (ms: number) => { log.push('${label} work starts'); await new Promise((r) => setTimeout(r, ms)); log.push('${label} work ends'); return '${label}'; },
  },
});`;
  const before = (first: string, second: string): void => {
    expect(log).toContain(first);
    expect(log).toContain(second);
    expect(log.indexOf(first)).toBeLessThan(log.indexOf(second));
  };

  it('an invokeEach that reaches a plugin after the swap: its call there ends before that version\'s OnFree', async () => {
    await build({ a: worker('a1'), b: worker('b1') });
    const s = await load();
    const each = s.current.invokeEach('work', 150);
    await new Promise((r) => setTimeout(r, 30));
    await build({ a: worker('a2'), b: worker('b2') });
    await s.reload();
    expect(await each).toEqual([
      { plugin: 'a', result: 'a1' },
      { plugin: 'b', result: 'b1' },
    ]);
    await s.settled();
    before('b1 work starts', 'b1 work ends');
    before('b1 work ends', 'b1 onFree');
    before('a1 work ends', 'a1 onFree');
  });

  /** A swapper whose first generation (a1) was just replaced by a2 and now retires, and that generation, kept. */
  async function retiring(freeDelay: number): Promise<{ s: Swapper; kept: Swapper['current'] }> {
    await build({ a: worker('a1') });
    const s = await load({ freeDelay });
    const kept = s.current;
    await build({ a: worker('a2') });
    await s.reload();
    return { s, kept };
  }

  it('a call through a generation kept, made during the free delay, ends before OnFree', async () => {
    const { s, kept } = await retiring(100);
    await new Promise((r) => setTimeout(r, 30));
    expect(kept.find('a')?.state).toBe('retiring');
    expect(await kept.invoke('a', 'work', 250)).toBe('a1');
    await s.settled();
    before('a1 work ends', 'a1 onFree');
  });

  it('a hold taken on a retiring generation keeps its versions from OnFree until released', async () => {
    const { s, kept } = await retiring(50);
    const release = kept.hold();
    await new Promise((r) => setTimeout(r, 150));
    expect(log).not.toContain('a1 onFree');
    expect(kept.invoke('a', 'whoami')).toBe('a1');
    release();
    await s.settled();
    expect(log).toContain('a1 onFree');
  });
});

describe('synchronous endless loops are interrupted', () => {
  const loops: Array<[string, string, string, string]> = [
    ['top-level code', '', 'while (Date.now() > 0) {}', 'evaluate'],
    ['OnLoad', 'onLoad() { while (Date.now() > 0) {} },', '', 'onLoad'],
    ['OnInit', 'onInit() { while (Date.now() > 0) {} },', '', 'onInit'],
    ['reloadable', 'reloadable() { while (Date.now() > 0) {} return true; },', '', 'reloadable'],
    ['takeState', 'takeState() { while (Date.now() > 0) {} },', '', 'takeState'],
    // The declarations' synchronous start runs in the top level's bounded run: each is named for its own stage.
    ['Export', 'export() { while (Date.now() > 0) {} return {}; },', '', 'export'],
    ['Import', 'import() { while (Date.now() > 0) {} return {}; },', '', 'import'],
    ['a getter of an import object', 'import: { get steady() { while (Date.now() > 0) {} return "*"; } },', '', 'import'],
    ['a proxy given as the import object', 'import: new Proxy({}, { ownKeys() { while (Date.now() > 0) {} return []; } }),', '', 'import'],
    ['Export, after an async reloadable', 'async reloadable() { await null; return true; }, export() { while (Date.now() > 0) {} return {}; },', '', 'export'],
  ];
  it.each(loops)('in %s: the reload rolls back with HOOK_TIMEOUT and the old generation serves', async (_what, extra, top, stage) => {
    await build({ target: source('t1') });
    const s = await load({ hookTimeout: 200 });
    await build({ target: source('t2', extra, top) });
    const error = await failure(s);
    expect(error.code).toBe(ErrorCodes.HOOK_TIMEOUT);
    expect(error.stage).toBe(stage);
    expect(error.plugin).toBe('target');
    expect(s.current.invoke('target', 'whoami')).toBe('t1');
    await build({ target: source('t3') });
    await s.reload();
    expect(s.current.invoke('target', 'whoami')).toBe('t3');
  });
});

describe('the time limit is shared fairly', () => {
  it('an Export hook after a top level that used more than half the limit gets a run of its own', async () => {
    // One bounded run for both would be 250 + 150 ms against a limit of 400: the hook starts a fresh run instead.
    const spin = (ms: number): string => `{ const until = Date.now() + ${ms}; while (Date.now() < until) {} }`;
    await build({ target: source('t1') });
    const s = await load({ hookTimeout: 400 });
    await build({ target: source('t2', `export() { ${spin(150)} return {}; },`, spin(250)) });
    await s.reload();
    expect(s.current.invoke('target', 'whoami')).toBe('t2');
  });
});

describe('in a real host process', () => {
  const plugin = (label: string, extra = '', top = ''): string =>
    `import { definePlugin } from '@hotswap/core/plugin';\n${top}\nexport default definePlugin({ functions: { whoami: () => '${label}' }, ${extra} });\n`;

  async function host(): Promise<{ child: Child; get(): Promise<string>; reload(): Promise<Record<string, unknown>> }> {
    const child = spawnChild(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/contained-host.ts'), ws.bin, '300'], { cwd: root });
    children.push(child);
    const [, port] = await child.waitFor(/^listening (\d+)$/, 30_000);
    const url = `http://127.0.0.1:${port}/`;
    return {
      child,
      get: async () => (await fetch(url)).text(),
      reload: async () => (await (await fetch(`${url}reload`, { method: 'POST' })).json()) as Record<string, unknown>,
    };
  }

  const throwing = `onLoad(ctx) {
    ctx.signal.addEventListener('abort', () => { throw new Error('listener broke'); });
    ctx.signal.onabort = () => { throw new Error('onabort broke'); };
    ctx.signal.addEventListener('abort', { handleEvent() { throw new Error('handleEvent broke'); } });
    ctx.signal.addEventListener('abort', async () => { await null; throw new Error('async listener broke'); });
  },`;

  it('abort listeners that throw at retirement are reported; the host lives on', async () => {
    ws.plugin('p', { 'index.ts': plugin('v1', throwing) });
    await ws.build();
    const h = await host();
    expect(await h.get()).toBe('v1');
    ws.plugin('p', { 'index.ts': plugin('v2') });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: true, generation: 2 });
    await h.child.waitFor(/^freed p 1\.0\.0$/, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.get()).toBe('v2');
    expect(h.child.lines.filter((l) => l.startsWith('teardown-failure p 1.0.0 abort'))).toHaveLength(4);
  });

  it('abort listeners that throw during a rollback are reported; the host lives on', async () => {
    ws.plugin('p', { 'index.ts': plugin('v1') });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': plugin('v2', `${throwing} onInit() { throw new Error('init broke'); },`) });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: false, code: ErrorCodes.HOOK_FAILED, stage: 'onInit' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.get()).toBe('v1');
    expect(h.child.lines.filter((l) => l.startsWith('teardown-failure p 1.0.0 abort'))).toHaveLength(4);
  });

  it('a listener of a signal derived with AbortSignal.any that throws is reported; the host lives on', async () => {
    const derived = `onLoad(ctx) {
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(60_000)]);
      signal.addEventListener('abort', () => { throw new Error('derived listener broke'); });
    },`;
    ws.plugin('p', { 'index.ts': plugin('v1', derived) });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': plugin('v2') });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: true, generation: 2 });
    await h.child.waitFor(/^freed p 1\.0\.0$/, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.get()).toBe('v2');
    expect(h.child.lines.filter((l) => l.startsWith('teardown-failure p 1.0.0 abort'))).toHaveLength(1);
  });

  // Promises the runtime refuses, whose own rejection nobody else would handle.
  const refused: Array<[string, string, string, string, string]> = [
    ['an async setup that rejects', '', `setup: async () => { await null; throw new Error('config unreachable'); },`, ErrorCodes.HOOK_FAILED, 'onLoad'],
    ['an async takeState that rejects', '', `async takeState() { await null; throw new Error('bad old state'); },`, ErrorCodes.HANDOFF_FAILED, 'takeState'],
    ['an async giveState that rejects', `async giveState() { await null; throw new Error('cannot give'); },`, 'takeState() {},', ErrorCodes.HANDOFF_FAILED, 'giveState'],
  ];
  it.each(refused)('%s is refused typed, and its rejection does not end the host', async (_what, first, second, code, stage) => {
    ws.plugin('p', { 'index.ts': plugin('v1', first) });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': plugin('v2', second) });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: false, code, plugin: 'p', stage });
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.get()).toBe('v1');
    expect(h.child.process.exitCode).toBeNull();
  });

  it('a default export that is a rejecting promise is refused typed, and the host lives on', async () => {
    ws.plugin('p', { 'index.ts': plugin('v1') });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': `export default (async () => { await null; throw new Error('config unreachable'); })();\n` });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: false, code: ErrorCodes.PLUGIN_INVALID, plugin: 'p', stage: 'evaluate' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await h.get()).toBe('v1');
  });

  // A thrown value whose stack, message or description never returns: reading it must not hang the host.
  const looping: Array<[string, string]> = [
    ['a stack getter', `Object.defineProperty(e, 'stack', { get() { for (;;) {} } });`],
    ['a message getter', `Object.defineProperty(e, 'message', { get() { for (;;) {} } });`],
    ['a cause getter', `Object.defineProperty(e, 'cause', { get() { for (;;) {} } });`],
    ['a toString that loops, on a non-error', `throw { toString() { for (;;) {} } };`],
  ];
  it.each(looping)('an error with %s that loops, thrown by OnLoad: the reload fails typed and the host keeps answering', async (_what, body) => {
    ws.plugin('p', { 'index.ts': plugin('v1') });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': plugin('v2', `onLoad() { const e = new Error('x'); ${body} throw e; },`) });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: false, code: ErrorCodes.HOOK_FAILED, plugin: 'p', stage: 'onLoad' });
    expect(await h.get()).toBe('v1');
  });

  it('an error whose stack getter loops, thrown by OnFree and by a teardown, is reported; the host keeps answering', async () => {
    const bad = `const bad = () => { const e = new Error('x'); Object.defineProperty(e, 'stack', { get() { for (;;) {} } }); return e; };`;
    ws.plugin('p', { 'index.ts': plugin('v1', 'onLoad(ctx) { ctx.onRetire(() => { throw bad(); }); }, onFree() { throw bad(); },', bad) });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': plugin('v2') });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: true, generation: 2 });
    await h.child.waitFor(/^freed p 1\.0\.0$/, 10_000);
    expect(await h.get()).toBe('v2');
    expect(h.child.lines.filter((l) => l.startsWith('teardown-failure p 1.0.0 onRetire'))).toHaveLength(1);
  });

  const loops: Array<[string, string, string, string]> = [
    ['top-level code', '', 'while (Date.now() > 0) {}', 'evaluate'],
    ['OnLoad', 'onLoad() { while (Date.now() > 0) {} },', '', 'onLoad'],
    ['OnInit', 'onInit() { while (Date.now() > 0) {} },', '', 'onInit'],
  ];
  it.each(loops)('an endless loop in %s rolls back while the host keeps answering HTTP requests', async (_what, extra, top, stage) => {
    ws.plugin('p', { 'index.ts': plugin('v1') });
    await ws.build();
    const h = await host();
    ws.plugin('p', { 'index.ts': plugin('v2', extra, top) });
    await ws.build();
    const answers: string[] = [];
    let reloading = true;
    const traffic = (async () => {
      while (reloading) answers.push(await h.get());
    })();
    const outcome = await h.reload();
    reloading = false;
    await traffic;
    expect(outcome).toMatchObject({ ok: false, code: ErrorCodes.HOOK_TIMEOUT, plugin: 'p', stage });
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set(['v1']));
    for (let i = 0; i < 5; i++) expect(await h.get()).toBe('v1');
    ws.plugin('p', { 'index.ts': plugin('v3') });
    await ws.build();
    expect(await h.reload()).toMatchObject({ ok: true });
    expect(await h.get()).toBe('v3');
    expect(h.child.lines.join('\n')).not.toMatch(/Error|uncaught/i);
  });
});
