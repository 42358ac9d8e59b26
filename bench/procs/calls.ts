// Case 4: call overhead, ns per call, one call path per process. Every loop
// is written out on its own so each has its own call site (a shared loop
// taking a callback would make them all megamorphic and measure the
// callback).
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { marker, scratch } from '../lib/fixture.js';
import { collect, config, runChild } from '../lib/proc.js';
import { restamper } from '../lib/restamp.js';
import { EACH } from '../lib/calls-rows.js';
import { round } from '../lib/stats.js';

export interface CallsConfig {
  row: string;
  calls: number;
  eachCalls: number;
  rounds: number;
  plugins: number;
  reloads: number;
}

export interface CallRow {
  key: string;
  /** ns per call with the first version loaded. */
  fresh: number;
  /** ns per call after `reloads` reloads of every plugin. */
  reloaded: number;
}

type Fns = { add(a: number, b: number): number };
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
    value: () => VALUE,
  },
});
`;

function nsPerCall(rounds: number, calls: number, loop: () => number): number {
  const samples: number[] = [];
  let sink = 0;
  loop(); // warm up: let the loop and its callees be optimized
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    sink += loop();
    samples.push(Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink === 0.5) console.error('unreachable');
  // The best round: the one least disturbed by other work on the machine.
  return Math.min(...samples);
}

async function nsPerCallAsync(rounds: number, calls: number, loop: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  let sink = 0;
  await loop();
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    sink += await loop();
    samples.push(Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink === 0.5) console.error('unreachable');
  // The best round: the one least disturbed by other work on the machine.
  return Math.min(...samples);
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
  const N = cfg.calls;
  const E = cfg.eachCalls;

  const add = (a: number, b: number): number => a + b;
  const direct = (): number => {
    let s = 0;
    for (let i = 0; i < N; i++) s += add(i, 1);
    return s;
  };
  const handleInvoke = (): number => {
    let s = 0;
    for (let i = 0; i < N; i++) s += handle.invoke('add', i, 1);
    return s;
  };
  const handleFn = (): number => {
    let s = 0;
    for (let i = 0; i < N; i++) s += fn(i, 1);
    return s;
  };
  const generationInvoke = (): number => {
    let s = 0;
    for (let i = 0; i < N; i++) s += swapper.current.invoke('c0', 'add', i, 1);
    return s;
  };
  let live = swapper.current.vault.liveFunc('live_add');
  const liveHeld = (): number => {
    let s = 0;
    for (let i = 0; i < N; i++) s += live(i, 1);
    return s;
  };
  const liveLookup = (): number => {
    let s = 0;
    for (let i = 0; i < N; i++) s += swapper.current.vault.liveFunc('live_add')(i, 1);
    return s;
  };
  const invokeEach = async (): Promise<number> => {
    let s = 0;
    for (let i = 0; i < E; i++) s += (await swapper.current.invokeEach('add', i, 1)).length;
    return s;
  };

  const loops: Record<string, () => number> = {
    direct,
    'handle.invoke': handleInvoke,
    'handle.fn': handleFn,
    'generation.invoke': generationInvoke,
    'live function (held)': liveHeld,
    'live function (vault.liveFunc per call)': liveLookup,
  };
  const measure = async (): Promise<number> => {
    await collect();
    live = swapper.current.vault.liveFunc('live_add');
    if (cfg.row === EACH) return nsPerCallAsync(cfg.rounds, E, invokeEach);
    const loop = loops[cfg.row];
    if (loop === undefined) throw new Error(`unknown row ${cfg.row}`);
    return nsPerCall(cfg.rounds, N, loop);
  };

  const fresh = await measure();
  for (let r = 1; r <= cfg.reloads; r++) {
    for (const a of artifacts) a.write(r);
    await swapper.reload();
    if (version.invoke('value') !== marker(r)) throw new Error(`reload ${r} is not serving`);
    // Run the call path on this version too, as a host serving through it would.
    live = swapper.current.vault.liveFunc('live_add');
    if (cfg.row === EACH) await invokeEach();
    else loops[cfg.row]!();
  }
  await swapper.settled();
  const reloaded = await measure();
  await swapper.close();
  dir.cleanup();
  const row: CallRow = { key: cfg.row, fresh: round(fresh, 2), reloaded: round(reloaded, 2) };
  return row;
});
