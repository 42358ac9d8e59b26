// Case 4: call overhead, ns per call, one call path per process. Every loop
// is written out on its own so each has its own call site (a shared loop
// taking a callback would make them all megamorphic and measure the
// callback).
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper, type Generation } from '@hotswap/core';
import { marker, scratch } from '../lib/fixture.js';
import { collect, config, runChild } from '../lib/proc.js';
import { restamper } from '../lib/restamp.js';
import { BY_NAME, DIRECT_ASYNC, DIRECT_ASYNC_THEN, EACH, HANDLE_ASYNC, REPLACED } from '../lib/calls-rows.js';
import { round } from '../lib/stats.js';

export interface CallsConfig {
  row: string;
  /**
   * ns per call, bytes per call (the child then runs with --expose-gc and a
   * large new space), or both in one process (quick mode, to save processes).
   */
  what: 'ns' | 'bytes' | 'both';
  calls: number;
  eachCalls: number;
  rounds: number;
  plugins: number;
  reloads: number;
}

/** One figure of a row: with the first version loaded, and after `reloads` reloads of every plugin. */
export interface CallFigure {
  fresh: number;
  reloaded: number;
}

export interface CallRow {
  key: string;
  /** ns per call. */
  ns?: CallFigure;
  /** Bytes allocated per call. */
  bytes?: CallFigure;
}

type Fns = { add(a: number, b: number): number; addAsync(a: number, b: number): Promise<number> };
type Add = (a: number, b: number) => number;
/** The contract of the calls benchmark: plugin c0 and its live function. */
interface Calls {
  plugins: { c0: { functions: Fns & { value(): string } } };
  live: { functions: { live_add: Add } };
}

const source = (n: number, live: boolean): string => `import { definePlugin } from '@hotswap/core/plugin';
const VALUE = ${JSON.stringify(marker(n))};
${live ? 'export function live_add(a: number, b: number): number { return a + b; }' : ''}
export default definePlugin({
  functions: {
    add: (a: number, b: number) => a + b,
    addAsync: async (a: number, b: number) => a + b,
    value: () => VALUE,
  },
});
`;

type Loop = (n: number) => number;
type AsyncLoop = (n: number) => Promise<number>;

function nsPerCall(rounds: number, calls: number, loop: Loop): number {
  const samples: number[] = [];
  let sink = 0;
  loop(calls); // warm up: let the loop and its callees be optimized
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    sink += loop(calls);
    samples.push(Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink === 0.5) console.error('unreachable');
  // The best round: the one least disturbed by other work on the machine.
  return Math.min(...samples);
}

async function nsPerCallAsync(rounds: number, calls: number, loop: AsyncLoop): Promise<number> {
  const samples: number[] = [];
  let sink = 0;
  await loop(calls);
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    sink += await loop(calls);
    samples.push(Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink === 0.5) console.error('unreachable');
  // The best round: the one least disturbed by other work on the machine.
  return Math.min(...samples);
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Bytes allocated per call: the heap after a full collection, then after
 * `calls` more calls with no collection in between (the child runs with a
 * new space large enough; a round that saw a collection anyway is measured
 * again with fewer calls). The smallest of `rounds` rounds, after a warm-up.
 */
async function bytesPerCall(rounds: number, calls: number, loop: (n: number) => number | Promise<number>): Promise<number> {
  if (gc === undefined) throw new Error('an allocation run needs --expose-gc');
  let collections = 0;
  const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
  observer.observe({ entryTypes: ['gc'] });
  await loop(calls);
  // The observer hears of a collection a few turns later.
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  let best = Number.POSITIVE_INFINITY;
  let n = calls;
  for (let r = 0, tries = 0; r < rounds; tries++) {
    if (tries > 4 * rounds) throw new Error(`every round of ${n} calls saw a collection: no allocation figure`);
    gc();
    await settle();
    const seen = collections;
    const before = process.memoryUsage().heapUsed;
    await loop(n);
    const after = process.memoryUsage().heapUsed;
    await settle();
    if (collections !== seen) {
      n = Math.max(1000, Math.floor(n / 2));
      continue;
    }
    best = Math.min(best, Math.max(0, after - before) / n);
    r++;
  }
  observer.disconnect();
  return best;
}

runChild(async () => {
  const cfg = config<CallsConfig>();
  const dir = scratch();
  const names = Array.from({ length: cfg.plugins }, (_, i) => `c${i}`);
  // Only c0 defines the live function: two plugins with one live name is an error.
  for (const name of names) dir.plugin(name, { 'index.ts': source(0, name === 'c0') });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const artifacts = names.map((name) => restamper(join(dir.bin, `${name}.hotswap.js`)));
  const swapper = new Swapper<Calls>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  const handle = swapper.handle('c0');
  const fn = handle.fn('add');
  const version = swapper.handle('c0');
  const E = cfg.eachCalls;
  // A request's names, as a host reads them from its input: equal strings, made at run time, not the call site's literals.
  const fromInput = { plugin: [...'c0'].join(''), fn: [...'add'].join('') };
  // The generation without the contract's types: any name may be asked for.
  const untyped = (): Generation => swapper.current;
  const fnAsync = handle.fn('addAsync');

  const add = (a: number, b: number): number => a + b;
  // The same async function as the plugin's, for the async rows to compare with.
  // eslint-disable-next-line @typescript-eslint/require-await
  const addAsync = async (a: number, b: number): Promise<number> => a + b;
  // What counting a promise costs at the least: one then() with handlers made once.
  const pass = (v: number): number => v;
  const fail = (e: unknown): never => {
    throw e;
  };
  const direct = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += add(i, 1);
    return s;
  };
  // A function compiled anew for each reload, as a new version's code is: its own source, so its own code and
  // type feedback in V8. The variable that holds it is all the "swap" there is.
  const compiled = (r: number): Add => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiling new code is what a reload does
    const make = new Function(`return (a, b) => a + b; // version ${r}`) as () => Add;
    return make();
  };
  let impl = compiled(0);
  const replaced = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += impl(i, 1);
    return s;
  };
  const handleInvoke = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += handle.invoke('add', i, 1);
    return s;
  };
  const handleFn = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += fn(i, 1);
    return s;
  };
  const generationInvoke = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += swapper.current.invoke('c0', 'add', i, 1);
    return s;
  };
  const byName = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += untyped().invoke(fromInput.plugin, fromInput.fn, i, 1) as number;
    return s;
  };
  let live = swapper.current.vault.liveFunc('live_add');
  const liveHeld = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += live(i, 1);
    return s;
  };
  const liveLookup = (n: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += swapper.current.vault.liveFunc('live_add')(i, 1);
    return s;
  };
  const directAsync = async (n: number): Promise<number> => {
    let s = 0;
    for (let i = 0; i < n; i++) s += await addAsync(i, 1);
    return s;
  };
  const directAsyncThen = async (n: number): Promise<number> => {
    let s = 0;
    for (let i = 0; i < n; i++) s += await addAsync(i, 1).then(pass, fail);
    return s;
  };
  const handleFnAsync = async (n: number): Promise<number> => {
    let s = 0;
    for (let i = 0; i < n; i++) s += await fnAsync(i, 1);
    return s;
  };
  const invokeEach = async (n: number): Promise<number> => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (await swapper.current.invokeEach('add', i, 1)).length;
    return s;
  };

  const loops: Record<string, Loop> = {
    direct,
    [REPLACED]: replaced,
    'handle.invoke': handleInvoke,
    'handle.fn': handleFn,
    'generation.invoke': generationInvoke,
    [BY_NAME]: byName,
    'live function (held)': liveHeld,
    'live function (vault.liveFunc per call)': liveLookup,
  };
  const asyncLoops: Record<string, AsyncLoop> = {
    [DIRECT_ASYNC]: directAsync,
    [DIRECT_ASYNC_THEN]: directAsyncThen,
    [HANDLE_ASYNC]: handleFnAsync,
    [EACH]: invokeEach,
  };
  const run = (n: number): number | Promise<number> => {
    const loop = loops[cfg.row] ?? asyncLoops[cfg.row];
    if (loop === undefined) throw new Error(`unknown row ${cfg.row}`);
    return loop(n);
  };
  // The async rows and invokeEach run fewer calls: each awaits.
  const calls = cfg.row in loops ? cfg.calls : E;
  const measure = async (): Promise<{ ns: number; bytes: number }> => {
    await collect();
    live = swapper.current.vault.liveFunc('live_add');
    const bytes = cfg.what === 'ns' ? Number.NaN : await bytesPerCall(cfg.rounds, Math.min(calls, 200_000), run);
    if (cfg.what === 'bytes') return { ns: Number.NaN, bytes };
    const loop = loops[cfg.row];
    const ns = loop !== undefined ? nsPerCall(cfg.rounds, calls, loop) : await nsPerCallAsync(cfg.rounds, calls, asyncLoops[cfg.row]!);
    return { ns, bytes };
  };

  const fresh = await measure();
  for (let r = 1; r <= cfg.reloads; r++) {
    for (const a of artifacts) a.write(r);
    await swapper.reload();
    if (version.invoke('value') !== marker(r)) throw new Error(`reload ${r} is not serving`);
    // Run the call path on this version too, as a host serving through it would.
    live = swapper.current.vault.liveFunc('live_add');
    impl = compiled(r);
    await run(calls);
  }
  await swapper.settled();
  const reloaded = await measure();
  await swapper.close();
  dir.cleanup();
  const figure = (k: 'ns' | 'bytes'): CallFigure => ({ fresh: round(fresh[k], 2), reloaded: round(reloaded[k], 2) });
  const row: CallRow = {
    key: cfg.row,
    ...(cfg.what === 'bytes' ? {} : { ns: figure('ns') }),
    ...(cfg.what === 'ns' ? {} : { bytes: figure('bytes') }),
  };
  return row;
});
