// Case 2: reload latency, from the new artifact on disk to a call answering
// the new code. One plugin alone; then a chain of N plugins (each imports the
// one before it) where the leaf changes, the root changes (every other plugin
// re-linked), or all N change.
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

type Fns = { value(): string; root(): string };
/** Every plugin of the graph offers the same functions. */
type Graph = { plugins: Record<string, { functions: Fns }> };

async function setUp(size: number): Promise<{ dir: Scratch; swapper: Swapper<Graph>; artifacts: Restamper[] }> {
  const dir = scratch();
  for (let i = 0; i < size; i++) dir.plugin(pluginName(i), { 'index.ts': graphPlugin(0, i === 0 ? [] : [pluginName(i - 1)]) });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const artifacts = Array.from({ length: size }, (_, i) => restamper(join(dir.bin, `${pluginName(i)}.hotswap.js`)));
  const swapper = new Swapper<Graph>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  await swapper.load(undefined);
  return { dir, swapper, artifacts };
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
  const one = solo.swapper.handle(pluginName(0));
  const soloRun = await measure(solo.swapper, cfg.warmup, cfg.iterations.solo, (n) => solo.artifacts[0]!.write(n), (n) => one.invoke('value') === marker(n));
  scenarios.push({ key: 'one plugin', plugins: 1, ...soloRun });
  await solo.swapper.close();
  solo.dir.cleanup();

  const chain = await setUp(cfg.chain);
  const leafIndex = cfg.chain - 1;
  const leaf = chain.swapper.handle(pluginName(leafIndex));
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
  await chain.swapper.close();
  chain.dir.cleanup();
  return { config: cfg, scenarios };
});
