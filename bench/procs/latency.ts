// Case 2: reload latency, from the new artifact on disk to a call answering
// the new code. One plugin alone; then a chain of N plugins (each imports the
// one before it) where the leaf changes, the root changes (every other plugin
// re-linked), or all N change. Then the same reloads with the bound on
// synchronous plugin code on and off (`boundSync: true` / `false`): two
// swappers in this one process, their reloads interleaved, so that whatever
// else runs on the machine lands on both alike.
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { graphPlugin, marker, pluginName, scratch, type Scratch } from '../lib/fixture.js';
import { roundSummary } from '../lib/memory-loop.js';
import { config, now, runChild } from '../lib/proc.js';
import { restamper, type Restamper } from '../lib/restamp.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface LatencyConfig {
  chain: number;
  warmup: number;
  iterations: { solo: number; leaf: number; root: number; all: number };
  /** Reloads per side of the bound comparison (`boundSync` true vs false), per scenario. */
  bound: { solo: number; root: number; all: number };
}

export interface LatencyScenario {
  key: string;
  plugins: number;
  /** Plugins evaluated afresh by each reload (loaded or re-linked). */
  evaluated: number;
  ms: Summary;
  /** The swapper's own `details.durationMs` (scan to swap), for comparison. */
  swapperMs: Summary;
}

/** One side of the bound comparison. */
export interface BoundSide {
  boundSync: boolean;
  ms: Summary;
  swapperMs: Summary;
}

/** The same reloads with `boundSync: true` and `false`, interleaved in one process. */
export interface BoundScenario {
  key: string;
  plugins: number;
  evaluated: number;
  on: BoundSide;
  off: BoundSide;
  /** Per reload pair, bound minus unbound: what the bound costs one reload. */
  costMs: Summary;
}

type Fns = { value(): string; root(): string };
/** Every plugin of the graph offers the same functions. */
type Graph = { plugins: Record<string, { functions: Fns }> };
type GraphHandle = ReturnType<Swapper<Graph>['handle']>;

interface Setup {
  dir: Scratch;
  swapper: Swapper<Graph>;
  artifacts: Restamper[];
  /** Handles on the first plugin (the chain's root) and the last (its leaf). */
  first: GraphHandle;
  last: GraphHandle;
}

async function setUp(size: number, boundSync = true): Promise<Setup> {
  const dir = scratch();
  for (let i = 0; i < size; i++) dir.plugin(pluginName(i), { 'index.ts': graphPlugin(0, i === 0 ? [] : [pluginName(i - 1)]) });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const artifacts = Array.from({ length: size }, (_, i) => restamper(join(dir.bin, `${pluginName(i)}.hotswap.js`)));
  const swapper = new Swapper<Graph>({ pluginDir: dir.bin, logger: false, freeDelay: 0, boundSync });
  await swapper.load(undefined);
  return { dir, swapper, artifacts, first: swapper.handle(pluginName(0)), last: swapper.handle(pluginName(size - 1)) };
}

async function tearDown(setup: Setup): Promise<void> {
  await setup.swapper.close();
  setup.dir.cleanup();
}

/** What one reload of one side does: write the new version, and check that it serves. */
interface Step {
  prepare(setup: Setup, n: number): void;
  check(setup: Setup, n: number): boolean;
}

/**
 * Reloads the bound and the unbound swapper in turn, `warmup + iterations`
 * times each, alternating which goes first so neither always follows the
 * other's garbage.
 */
async function measurePair(
  key: string,
  sides: readonly [Setup, Setup],
  warmup: number,
  iterations: number,
  from: number,
  step: Step,
): Promise<BoundScenario> {
  const times: [number[], number[]] = [[], []];
  const own: [number[], number[]] = [[], []];
  let evaluated = 0;
  for (let i = 1; i <= warmup + iterations; i++) {
    const n = from + i;
    const order: ReadonlyArray<0 | 1> = i % 2 === 0 ? [1, 0] : [0, 1];
    for (const s of order) {
      const setup = sides[s];
      step.prepare(setup, n);
      const started = now();
      const details = await setup.swapper.reload();
      const ok = step.check(setup, n);
      const elapsed = now() - started;
      if (!ok) throw new Error(`${key}, boundSync ${s === 0}: reload ${i}: the new code is not serving`);
      if (i > warmup) {
        times[s].push(elapsed);
        own[s].push(details.durationMs);
      }
      evaluated = details.plugins.filter((p) => p.status === 'loaded' || p.status === 're-linked').length;
      await setup.swapper.settled();
    }
  }
  const side = (s: 0 | 1): BoundSide => ({ boundSync: s === 0, ms: roundSummary(summarize(times[s])), swapperMs: roundSummary(summarize(own[s])) });
  return {
    key,
    plugins: sides[0].artifacts.length,
    evaluated,
    on: side(0),
    off: side(1),
    costMs: roundSummary(summarize(times[0].map((t, k) => t - times[1][k]!))),
  };
}

async function boundScenarios(cfg: LatencyConfig): Promise<BoundScenario[]> {
  const out: BoundScenario[] = [];
  const solo = [await setUp(1, true), await setUp(1, false)] as const;
  out.push(
    await measurePair('one plugin', solo, cfg.warmup, cfg.bound.solo, 0, {
      prepare: (s, n) => s.artifacts[0]!.write(n),
      check: (s, n) => s.first.invoke('value') === marker(n),
    }),
  );
  for (const s of solo) await tearDown(s);

  const chain = [await setUp(cfg.chain, true), await setUp(cfg.chain, false)] as const;
  out.push(
    await measurePair(`root of a chain of ${cfg.chain}`, chain, cfg.warmup, cfg.bound.root, 0, {
      prepare: (s, n) => s.artifacts[0]!.write(n),
      check: (s, n) => s.last.invoke('root') === marker(n),
    }),
  );
  const from = cfg.warmup + cfg.bound.root;
  out.push(
    await measurePair(`all ${cfg.chain} changed`, chain, cfg.warmup, cfg.bound.all, from, {
      prepare: (s, n) => {
        for (const artifact of s.artifacts) artifact.write(n);
      },
      check: (s, n) => s.last.invoke('value') === marker(n) && s.last.invoke('root') === marker(n),
    }),
  );
  for (const s of chain) await tearDown(s);
  return out;
}

async function measure(
  swapper: Swapper<Graph>,
  warmup: number,
  iterations: number,
  prepare: (n: number) => void,
  check: (n: number) => boolean,
): Promise<{ ms: Summary; swapperMs: Summary; evaluated: number }> {
  const times: number[] = [];
  const own: number[] = [];
  let evaluated = 0;
  for (let i = 1; i <= warmup + iterations; i++) {
    prepare(i);
    const started = now();
    const details = await swapper.reload();
    const ok = check(i);
    const elapsed = now() - started;
    if (!ok) throw new Error(`reload ${i}: the new code is not serving`);
    if (i > warmup) {
      times.push(elapsed);
      own.push(details.durationMs);
    }
    evaluated = details.plugins.filter((p) => p.status === 'loaded' || p.status === 're-linked').length;
    await swapper.settled();
  }
  return { ms: roundSummary(summarize(times)), swapperMs: roundSummary(summarize(own)), evaluated };
}

runChild(async () => {
  const cfg = config<LatencyConfig>();
  const scenarios: LatencyScenario[] = [];

  const solo = await setUp(1);
  const soloRun = await measure(solo.swapper, cfg.warmup, cfg.iterations.solo, (n) => solo.artifacts[0]!.write(n), (n) => solo.first.invoke('value') === marker(n));
  scenarios.push({ key: 'one plugin', plugins: 1, ...soloRun });
  await tearDown(solo);

  const chain = await setUp(cfg.chain);
  const leafIndex = cfg.chain - 1;
  const leaf = chain.last;
  let version = 0;
  // Every scenario writes versions with numbers above the last one, so each reload changes something.
  const leafRun = await measure(
    chain.swapper,
    cfg.warmup,
    cfg.iterations.leaf,
    (n) => chain.artifacts[leafIndex]!.write(version + n),
    (n) => leaf.invoke('value') === marker(version + n),
  );
  version += cfg.warmup + cfg.iterations.leaf;
  scenarios.push({ key: `one leaf of ${cfg.chain}`, plugins: cfg.chain, ...leafRun });

  const rootRun = await measure(
    chain.swapper,
    cfg.warmup,
    cfg.iterations.root,
    (n) => chain.artifacts[0]!.write(version + n),
    (n) => leaf.invoke('root') === marker(version + n),
  );
  version += cfg.warmup + cfg.iterations.root;
  scenarios.push({ key: `root of a chain of ${cfg.chain}`, plugins: cfg.chain, ...rootRun });

  const allRun = await measure(
    chain.swapper,
    cfg.warmup,
    cfg.iterations.all,
    (n) => {
      for (const artifact of chain.artifacts) artifact.write(version + n);
    },
    (n) => leaf.invoke('value') === marker(version + n) && leaf.invoke('root') === marker(version + n),
  );
  scenarios.push({ key: `all ${cfg.chain} changed`, plugins: cfg.chain, ...allRun });
  await tearDown(chain);

  const bound = await boundScenarios(cfg);
  return { config: cfg, scenarios, bound };
});
