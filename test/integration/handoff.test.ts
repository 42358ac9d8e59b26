// State handed from a version to its successor at the swap, converted by
// the plugin's own code, upward and downward; a failed handoff rolls back.
import { ErrorCodes, isHotswapError, Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
let log: string[];

beforeEach(() => {
  ws = workspace();
  log = [];
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0 });
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  ws.cleanup();
});

const counter = (label: string, take = 'state = previous.state as { count: number };'): string => `import { definePlugin } from '@hotswap/core/plugin';
import { log } from 'test-log';
let state = { count: 0 };
export default definePlugin<{ state: { count: number } }>({
  giveState: () => state,
  takeState(previous) { log.push(${JSON.stringify(label)} + ' takes from ' + previous.version); ${take} },
  functions: {
    // Reads and writes after an await: a call started on one version may finish after the swap.
    async inc() { await new Promise((r) => setImmediate(r)); state.count++; },
    count: () => state.count,
    label: () => ${JSON.stringify(label)},
  },
});`;

describe('handoff', () => {
  it('keeps a counter across 100 reloads under concurrent calls: no increment lost or counted twice', async () => {
    ws.plugin('counter', { 'index.ts': counter('c') });
    await ws.build({ shared: ['test-log'], buildStamp: 's0' });
    await swapper.load(undefined);
    let calls = 0;
    let stop = false;
    const pending = new Set<Promise<unknown>>();
    const load = (async () => {
      while (!stop) {
        for (let i = 0; i < 5; i++) {
          calls++;
          const p = swapper.current.invoke('counter', 'inc') as Promise<void>;
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i <= 100; i++) {
      await ws.build({ shared: ['test-log'], buildStamp: `s${i}` });
      await swapper.reload();
    }
    stop = true;
    await load;
    await Promise.all(pending);
    expect(swapper.reloadCounter).toBe(100);
    expect(calls).toBeGreaterThan(100);
    expect(swapper.current.invoke('counter', 'count')).toBe(calls);
    expect(log.filter((l) => l === 'c takes from 1.0.0')).toHaveLength(100);
  }, 120_000);

  const v1 = `import { definePlugin } from '@hotswap/core/plugin';
interface V1 { users: Record<string, { fullName: string; hits: number }> }
let state: V1 = { users: {} };
export default definePlugin<{ state: V1 }>({
  giveState: () => state,
  takeState(previous) {
    if (previous.version.startsWith('1.')) { state = previous.state as V1; return; }
    // Down from 2.x: join the split name, rename visits back to hits.
    const v2 = previous.state as { users: Map<string, { first: string; last: string; visits: number }> };
    if (!(v2.users instanceof Map)) throw new TypeError('expected a 2.x state with a Map of users');
    state = { users: Object.fromEntries([...v2.users].map(([id, u]) => [id, { fullName: u.first + ' ' + u.last, hits: u.visits }])) };
  },
  functions: {
    visit(id: string, fullName: string) { const u = (state.users[id] ??= { fullName, hits: 0 }); u.hits++; },
    dump: () => state,
  },
});`;
  const v2 = `import { definePlugin } from '@hotswap/core/plugin';
interface V2 { users: Map<string, { first: string; last: string; visits: number }> }
let state: V2 = { users: new Map() };
export default definePlugin<{ state: V2 }>({
  giveState: () => state,
  takeState(previous) {
    if (previous.version.startsWith('2.')) { state = previous.state as V2; return; }
    // Up from 1.x: split the name, rename hits to visits.
    const old = previous.state as { users: Record<string, { fullName: string; hits: number }> };
    state = { users: new Map(Object.entries(old.users).map(([id, u]) => {
      const [first = '', ...rest] = u.fullName.split(' ');
      return [id, { first, last: rest.join(' '), visits: u.hits }];
    })) };
  },
  functions: {
    visit(id: string, first: string, last: string) { const u = state.users.get(id) ?? { first, last, visits: 0 }; u.visits++; state.users.set(id, u); },
    dump: () => state,
  },
});`;

  it('converts the state from 1.0.0 to 2.0.0 (a renamed and a split field) and back', async () => {
    ws.plugin('sessions', { 'index.ts': v1 }, '1.0.0');
    await ws.build();
    await swapper.load(undefined);
    swapper.current.invoke('sessions', 'visit', 'a', 'Ann Lee');
    swapper.current.invoke('sessions', 'visit', 'a', 'Ann Lee');
    swapper.current.invoke('sessions', 'visit', 'b', 'Bo Van Dam');

    ws.plugin('sessions', { 'index.ts': v2 }, '2.0.0');
    await ws.build();
    await swapper.reload();
    const up = swapper.current.invoke('sessions', 'dump') as { users: Map<string, unknown> };
    expect([...up.users]).toEqual([
      ['a', { first: 'Ann', last: 'Lee', visits: 2 }],
      ['b', { first: 'Bo', last: 'Van Dam', visits: 1 }],
    ]);
    swapper.current.invoke('sessions', 'visit', 'b', 'Bo', 'Van Dam');

    ws.plugin('sessions', { 'index.ts': v1 }, '1.0.1');
    await ws.build();
    await swapper.reload();
    expect(swapper.current.invoke('sessions', 'dump')).toEqual({
      users: { a: { fullName: 'Ann Lee', hits: 2 }, b: { fullName: 'Bo Van Dam', hits: 2 } },
    });
  });

  it.each([
    ['takeState', counter('c1'), counter('c2', `throw new Error('cannot convert');`)],
    ['giveState', counter('c1').replace('giveState: () => state,', "giveState: () => { throw new Error('cannot give'); },"), counter('c2')],
  ])('a %s that throws fails the reload; the old version serves on with its state untouched', async (stage, first, next) => {
    ws.plugin('counter', { 'index.ts': first });
    ws.plugin('other', { 'index.ts': counter('o1') });
    await ws.build({ shared: ['test-log'] });
    await swapper.load(undefined);
    await swapper.current.invoke('counter', 'inc');
    await swapper.current.invoke('counter', 'inc');
    ws.plugin('counter', { 'index.ts': next });
    ws.plugin('other', { 'index.ts': counter('o2') });
    await ws.build({ shared: ['test-log'] });
    const error = await swapper.reload().catch((e: unknown) => e);
    if (!isHotswapError(error)) throw new Error('expected the reload to fail');
    expect(error.code).toBe(ErrorCodes.HANDOFF_FAILED);
    expect(error.stage).toBe(stage);
    expect(error.plugin).toBe('counter');
    expect(error.message).toMatch(/1\.0\.0 keeps serving with its state/);
    expect(swapper.current.id).toBe(1);
    expect(swapper.current.invoke('counter', 'label')).toBe('c1');
    expect(swapper.current.invoke('counter', 'count')).toBe(2);
    expect(swapper.current.invoke('other', 'label')).toBe('o1');
  });

  it('a re-linked dependent hands its state to its own fresh evaluation; a carried-over plugin keeps its state as it is', async () => {
    const base = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ export: () => ({ label: ${JSON.stringify(label)} }) });`;
    ws.plugin('base', { 'index.ts': base('b1') });
    ws.plugin('user', { 'index.ts': counter('u').replace("export default definePlugin<{ state: { count: number } }>({", "export default definePlugin<{ state: { count: number } }>({\n  import: { base: '*' },") });
    ws.plugin('bystander', { 'index.ts': counter('x') });
    await ws.build({ shared: ['test-log'] });
    await swapper.load(undefined);
    await swapper.current.invoke('user', 'inc');
    await swapper.current.invoke('bystander', 'inc');
    ws.plugin('base', { 'index.ts': base('b2') });
    await ws.build({ shared: ['test-log'], include: /^base$/ });
    const details = await swapper.reload();
    expect(details.plugins.map((p) => `${p.name} ${p.status}`)).toEqual(['base loaded', 'bystander unchanged', 'user re-linked']);
    expect(log).toEqual(['u takes from 1.0.0']);
    expect(swapper.current.invoke('user', 'count')).toBe(1);
    expect(swapper.current.invoke('bystander', 'count')).toBe(1);
  });
});
