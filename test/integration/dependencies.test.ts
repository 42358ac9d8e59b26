// Plugins that import each other: order, errors found before any OnLoad,
// and re-linking of dependents when a dependency gets a new version.
import { ErrorCodes, Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../helpers/errors.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let log: string[];
let swapper: Swapper;

beforeEach(() => {
  ws = workspace();
  log = [];
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0 });
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  ws.cleanup();
});

/** A plugin whose `pulse` answers its name and label, then what its imports' `pulse` answer. */
function dep(label: string, imports: Record<string, string> = {}, extra = ''): string {
  return `import { definePlugin } from '@hotswap/core/plugin';
import { log } from 'test-log';
interface Api { pulse(): string }
export default definePlugin<{ imports: Record<string, Api>; exports: Api }>({
  import: ${JSON.stringify(imports)},
  export: (ctx) => ({ pulse: () => ctx.name + ':' + ${JSON.stringify(label)} + '[' + Object.values(ctx.imports).map((a) => a.pulse()).join(',') + ']' }),
  onLoad(ctx) { log.push(ctx.name + ':${label}:onLoad'); },
  onInit(ctx) { log.push(ctx.name + ':${label}:onInit'); },
  onFree(ctx) { log.push(ctx.name + ':${label}:onFree'); },
  ${extra}
});`;
}

function put(name: string, source: string, version?: string): void {
  ws.plugin(name, { 'index.ts': source }, version);
}

async function build(include?: RegExp): Promise<void> {
  await ws.build({ shared: ['test-log'], ...(include === undefined ? {} : { include }) });
}

function pulse(name: string): string {
  return (swapper.current.find(name)?.exported as { pulse(): string }).pulse();
}

const failure = rejection;

describe('import and order', () => {
  it('gives a plugin the exports of the two it imports, and runs OnLoad and OnInit in dependency order', async () => {
    put('zeta', dep('z1'));
    put('alpha', dep('a1', { zeta: '^1.0.0', mid: '*' }));
    put('mid', dep('m1'));
    await build();
    const details = await swapper.load(undefined);
    expect(details.plugins.map((p) => p.name)).toEqual(['mid', 'zeta', 'alpha']);
    expect(pulse('alpha')).toBe('alpha:a1[zeta:z1[],mid:m1[]]');
    expect(log).toEqual([
      'mid:m1:onLoad',
      'zeta:z1:onLoad',
      'alpha:a1:onLoad',
      'mid:m1:onInit',
      'zeta:z1:onInit',
      'alpha:a1:onInit',
    ]);
    log.length = 0;
    await swapper.close();
    expect(log).toEqual(['alpha:a1:onFree', 'zeta:z1:onFree', 'mid:m1:onFree']);
  });
});

describe('errors found before any OnLoad, the current generation serving on', () => {
  const cases: Array<[string, Record<string, string>, string, RegExp]> = [
    ['an unknown dependency', { a: dep('a', { ghost: '*' }) }, ErrorCodes.DEP_UNKNOWN, /"a" imports "ghost", but there is no plugin "ghost"/],
    ['a cycle of two', { a: dep('a', { b: '*' }), b: dep('b', { a: '*' }) }, ErrorCodes.DEP_CYCLE, /cycle: a -> b -> a\./],
    [
      'a cycle of three',
      { a: dep('a', { c: '*' }), b: dep('b', { a: '*' }), c: dep('c', { b: '*' }), d: dep('d', { a: '*' }) },
      ErrorCodes.DEP_CYCLE,
      /cycle: a -> c -> b -> a\./,
    ],
    ['a plugin importing itself', { a: dep('a', { A: '*' }) }, ErrorCodes.DEP_CYCLE, /cycle: a -> a\./],
    ['a version outside the range', { a: dep('a', { b: '^2.0.0' }), b: dep('b') }, ErrorCodes.DEP_VERSION, /"a" needs "b" \^2\.0\.0, but "b" is 1\.0\.0/],
    ['a range that is not semver', { a: dep('a', { b: 'latest' }), b: dep('b') }, ErrorCodes.DEP_RANGE_INVALID, /"latest", which is not a semver range/],
    [
      'a not-reloadable plugin importing a reloadable one',
      { a: dep('a', { b: '*' }, 'reloadable: false,'), b: dep('b') },
      ErrorCodes.DEP_NOT_RELOADABLE,
      /"a" is not reloadable but imports "b"/,
    ],
  ];

  it.each(cases)('%s', async (_what, plugins, code, message) => {
    put('steady', dep('s1'));
    await build();
    await swapper.load(undefined);
    log.length = 0;
    for (const [name, source] of Object.entries(plugins)) ws.plugin(name, { 'index.ts': source });
    await build();
    const error = await failure(swapper.reload());
    expect(error.code).toBe(code);
    expect(error.stage).toBe('link');
    expect(error.message).toMatch(message);
    expect(log.filter((l) => l.endsWith('onLoad'))).toEqual([]);
    expect(swapper.current.plugins.map((p) => p.name)).toEqual(['steady']);
    expect(pulse('steady')).toBe('steady:s1[]');
    // The same set fails the first load too.
    const fresh = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false });
    expect((await failure(fresh.load(undefined))).code).toBe(code);
  });

  it('removing a plugin that others still import', async () => {
    put('base', dep('b1'));
    put('user', dep('u1', { base: '*' }));
    await build();
    await swapper.load(undefined);
    ws.remove('base');
    const error = await failure(swapper.reload());
    expect(error.code).toBe(ErrorCodes.DEP_REMOVED);
    expect(error.message).toMatch(/"user" imports "base", which this reload removes/);
    expect(pulse('user')).toBe('user:u1[base:b1[]]');
  });

  it('a not-reloadable plugin that imports only not-reloadable ones is fine', async () => {
    put('a', dep('a1', { b: '*' }, 'reloadable: false,'));
    put('b', dep('b1', {}, 'reloadable: false,'));
    await build();
    await swapper.load(undefined);
    put('b', dep('b2', {}, 'reloadable: false,'));
    await build();
    const details = await swapper.reload();
    expect(details.plugins.map((p) => `${p.name} ${p.status}`)).toEqual(['b not-reloadable', 'a not-reloadable']);
    expect(pulse('a')).toBe('a:a1[b:b1[]]');
  });
});

describe('re-linking', () => {
  beforeEach(async () => {
    put('alpha', dep('a1'));
    put('beta', dep('b1', { alpha: '^1' }));
    put('gamma', dep('g1', { beta: '^1' }));
    put('other', dep('o1'));
    await build();
    await swapper.load(undefined);
    log.length = 0;
  });

  it('a new root re-links every dependent, which then sees the new export', async () => {
    // What a version exported is its own: a new version (re-linked or reloaded) exports a new object.
    const exported = (name: string): unknown => swapper.current.find(name)?.exported;
    const before = { beta: exported('beta'), gamma: exported('gamma'), other: exported('other') };
    put('alpha', dep('a2'), '1.1.0');
    await build(/^alpha$/);
    const details = await swapper.reload();
    await swapper.settled();
    expect(details.plugins.map((p) => `${p.name} ${p.status} ${p.version}`)).toEqual([
      'alpha loaded 1.1.0',
      'beta re-linked 1.0.0',
      'gamma re-linked 1.0.0',
      'other unchanged 1.0.0',
    ]);
    expect(pulse('gamma')).toBe('gamma:g1[beta:b1[alpha:a2[]]]');
    expect(exported('beta')).not.toBe(before.beta);
    expect(exported('gamma')).not.toBe(before.gamma);
    expect(exported('other')).toBe(before.other);
    expect(log).toEqual([
      'alpha:a2:onLoad',
      'beta:b1:onLoad',
      'gamma:g1:onLoad',
      'alpha:a2:onInit',
      'beta:b1:onInit',
      'gamma:g1:onInit',
      'other:o1:onInit',
      'gamma:g1:onFree',
      'beta:b1:onFree',
      'alpha:a1:onFree',
    ]);
  });

  it('a new leaf re-evaluates nothing else', async () => {
    const beta = swapper.current.find('beta')?.exported;
    put('gamma', dep('g2', { beta: '^1' }));
    await build(/^gamma$/);
    const details = await swapper.reload();
    await swapper.settled();
    expect(details.plugins.map((p) => `${p.name} ${p.status}`)).toEqual([
      'alpha unchanged',
      'beta unchanged',
      'gamma loaded',
      'other unchanged',
    ]);
    expect(swapper.current.find('beta')?.exported).toBe(beta);
    expect(pulse('gamma')).toBe('gamma:g2[beta:b1[alpha:a1[]]]');
    expect(log.filter((l) => l.endsWith('onLoad') || l.endsWith('onFree'))).toEqual(['gamma:g2:onLoad', 'gamma:g1:onFree']);
  });

  it('a failed re-link rolls back: the whole chain keeps serving the old versions', async () => {
    put('alpha', dep('a2', {}, `onInit() { throw new Error('alpha init'); },`));
    await build(/^alpha$/);
    const error = await failure(swapper.reload());
    expect(error.plugin).toBe('alpha');
    expect(pulse('gamma')).toBe('gamma:g1[beta:b1[alpha:a1[]]]');
    expect(log.filter((l) => l.endsWith('onFree'))).toEqual(['gamma:g1:onFree', 'beta:b1:onFree', 'alpha:a2:onFree']);
  });
});

describe('a generated graph of 200 plugins', () => {
  it('loads, and reloads correctly after a change to one root and to one leaf', async () => {
    // A random DAG with a fixed seed: plugin i may import plugins with a smaller index.
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const N = 200;
    const name = (i: number): string => `p${String(i).padStart(3, '0')}`;
    const imports: Array<Record<string, string>> = [];
    for (let i = 0; i < N; i++) {
      const deps: Record<string, string> = {};
      if (i > 0) for (let k = 0; k < 3; k++) if (random() < 0.6) deps[name(Math.floor(random() * i))] = '*';
      imports.push(deps);
      ws.plugin(name(i), { 'index.ts': dep('v1', deps) });
    }
    let started = performance.now();
    await build();
    const buildMs = performance.now() - started;
    started = performance.now();
    const loaded = await swapper.load(undefined);
    const loadMs = performance.now() - started;
    const order = loaded.plugins.map((p) => p.name);
    const position = new Map(order.map((n, i) => [n, i]));
    imports.forEach((deps, i) => {
      for (const d of Object.keys(deps)) expect(position.get(d)!).toBeLessThan(position.get(name(i))!);
    });

    // Everything that reaches p000 through imports must be re-linked when it changes.
    const reaches = (i: number, target: string): boolean =>
      Object.keys(imports[i]!).some((d) => d === target || reaches(Number(d.slice(1)), target));
    const expected = new Set(order.filter((n) => reaches(Number(n.slice(1)), 'p000')));
    ws.plugin('p000', { 'index.ts': dep('v2', {}) });
    await build(/^p000$/);
    started = performance.now();
    const rootReload = await swapper.reload();
    const rootMs = performance.now() - started;
    const relinked = rootReload.plugins.filter((p) => p.status === 're-linked').map((p) => p.name);
    expect(new Set(relinked)).toEqual(expected);
    expect(rootReload.plugins.filter((p) => p.status === 'unchanged')).toHaveLength(N - 1 - expected.size);
    for (const n of expected) expect(pulse(n)).toContain('p000:v2[]');

    const leaf = order[order.length - 1]!;
    ws.plugin(leaf, { 'index.ts': dep('v2', imports[Number(leaf.slice(1))]) });
    await build(new RegExp(`^${leaf}$`));
    started = performance.now();
    const leafReload = await swapper.reload();
    const leafMs = performance.now() - started;
    expect(leafReload.plugins.filter((p) => p.status !== 'unchanged').map((p) => p.name)).toEqual([leaf]);
    console.log(
      `200-plugin DAG: build ${buildMs.toFixed(0)} ms, load ${loadMs.toFixed(0)} ms, ` +
        `root change (${expected.size} re-linked) ${rootMs.toFixed(0)} ms, leaf change ${leafMs.toFixed(1)} ms`,
    );
  }, 120_000);
});
