// Case 6, root and leaf change: graphs where one root is imported by every
// other plugin (a star: p0000, and N − 1 plugins that each import it), one
// graph per size, all in this one process with their reloads interleaved, so
// that whatever else runs on the machine lands on every size alike. A root
// reload writes a new version of the root only, so the swapper loads the
// root and re-links the N − 1 others (each evaluated afresh from its
// unchanged artifact); a leaf reload writes a new version of the last
// importer only, which nothing imports. `build()` builds the root and one importer; the other importers
// are copies of that one's artifact under their own names (the same bundle:
// building each would only repeat it), and each new root version is the
// built root restamped.
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { graphPlugin, marker, pluginName, scratch, type Scratch } from '../lib/fixture.js';
import { roundSummary } from '../lib/memory-loop.js';
import { config, now, runChild } from '../lib/proc.js';
import { copyAs, restamper, type Restamper } from '../lib/restamp.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface ScaleRootConfig {
  sizes: number[];
  warmup: number;
  /** Reloads of each graph. */
  reloads: number;
  /** The changes measured; default both. */
  changes?: Change[];
}

export type Change = 'root' | 'leaf';
const CHANGES: readonly Change[] = ['root', 'leaf'];

export interface ScaleRootResult {
  size: number;
  change: Change;
  /** Imports in the graph (every plugin but the root imports the root). */
  imports: number;
  /** Plugins each reload evaluated (the root loaded, the others re-linked). */
  evaluated: number;
  /** From just before `reload()` to a call through the last plugin answering the new root. */
  ms: Summary;
  /** The swapper's own `details.durationMs` (scan to swap). */
  swapperMs: Summary;
  /** Per reload, the sum over plugins of each step's time (evaluate, export, import, onLoad, …). */
  stepsMs: Record<string, Summary>;
}

type Fns = { value(): string; root(): string };
/** Every plugin of the graph offers the same functions. */
type GraphContract = { plugins: Record<string, { functions: Fns }> };
type GraphHandle = ReturnType<Swapper<GraphContract>["handle"]>;

interface Graph {
  size: number;
  dir: Scratch;
  swapper: Swapper<GraphContract>;
  changed: Record<Change, Restamper>;
  handles: GraphHandle[];
  runs: Record<Change, Run>;
}

interface Run {
  times: number[];
  own: number[];
  steps: Record<string, number[]>;
  evaluated: number;
}

const run = (): Run => ({ times: [], own: [], steps: {}, evaluated: 0 });

async function star(size: number): Promise<Graph> {
  const dir = scratch();
  const root = pluginName(0);
  const importer = pluginName(1);
  dir.plugin(root, { 'index.ts': graphPlugin(0, []) });
  dir.plugin(importer, { 'index.ts': graphPlugin(0, [root]) });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  for (let i = 2; i < size; i++) copyAs(join(dir.bin, `${importer}.hotswap.js`), dir.bin, pluginName(i));
  const swapper = new Swapper<GraphContract>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  const loaded = await swapper.load(undefined);
  if (loaded.plugins.length !== size) throw new Error(`loaded ${loaded.plugins.length} of ${size} plugins`);
  return {
    size,
    dir,
    swapper,
    changed: { root: restamper(join(dir.bin, `${root}.hotswap.js`)), leaf: restamper(join(dir.bin, `${pluginName(size - 1)}.hotswap.js`)) },
    handles: Array.from({ length: size }, (_, i) => swapper.handle(pluginName(i))),
    runs: { root: run(), leaf: run() },
  };
}

async function reload(g: Graph, change: Change, n: number, timed: boolean): Promise<void> {
  g.changed[change].write(n);
  const last = g.handles[g.size - 1]!;
  const fn = change === 'root' ? 'root' : 'value';
  const started = now();
  const details = await g.swapper.reload();
  const ok = last.invoke(fn) === marker(n);
  const elapsed = now() - started;
  if (!ok) throw new Error(`${g.size} plugins, ${change} reload ${n}: the new version is not serving`);
  // Outside the timing: after a root change every plugin, not only the last, answers the new root.
  const stale = change === 'root' ? g.handles.findIndex((h) => h.invoke('root') !== marker(n)) : -1;
  if (stale >= 0) throw new Error(`${g.size} plugins, reload ${n}: ${pluginName(stale)} still answers an old root`);
  const r = g.runs[change];
  r.evaluated = details.plugins.filter((p) => p.status === 'loaded' || p.status === 're-linked').length;
  if (timed) {
    r.times.push(elapsed);
    r.own.push(details.durationMs);
    const sums: Record<string, number> = {};
    for (const p of details.plugins) for (const [step, ms] of Object.entries(p.timings)) sums[step] = (sums[step] ?? 0) + ms;
    for (const [step, ms] of Object.entries(sums)) (r.steps[step] ??= []).push(ms);
  }
  await g.swapper.settled();
}

runChild(async () => {
  const cfg = config<ScaleRootConfig>();
  const graphs: Graph[] = [];
  for (const size of cfg.sizes) graphs.push(await star(size));
  for (let n = 1; n <= cfg.warmup + cfg.reloads; n++) {
    // Alternate the order, so no size always follows another's garbage.
    for (const g of n % 2 === 0 ? [...graphs].reverse() : graphs) {
      for (const change of cfg.changes ?? CHANGES) await reload(g, change, n, n > cfg.warmup);
    }
  }
  const results: ScaleRootResult[] = [];
  for (const g of graphs) {
    await g.swapper.close();
    g.dir.cleanup();
    for (const change of cfg.changes ?? CHANGES) {
      const r = g.runs[change];
      results.push({
        size: g.size,
        change,
        imports: g.size - 1,
        evaluated: r.evaluated,
        ms: roundSummary(summarize(r.times)),
        swapperMs: roundSummary(summarize(r.own)),
        stepsMs: Object.fromEntries(Object.entries(r.steps).map(([step, v]) => [step, roundSummary(summarize(v))])),
      });
    }
  }
  return results;
});
