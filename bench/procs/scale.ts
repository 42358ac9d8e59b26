// Case 6: scale. A random DAG of N plugins (fixed seed): build time, load
// time of a fresh swapper, and a reload with nothing changed.
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { graphPlugin, pluginName, scratch, seeded } from '../lib/fixture.js';
import { config, now, runChild } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';

export interface ScaleConfig {
  size: number;
  loads: number;
  reloads: number;
  seed: number;
}

export interface ScaleResult {
  size: number;
  edges: number;
  buildMs: number;
  firstLoadMs: number;
  loadMs: number;
  loadMsPerPlugin: number;
  noChangeReloadMs: number;
}

runChild(async () => {
  const cfg = config<ScaleConfig>();
  const random = seeded(cfg.seed);
  const dir = scratch();
  let edges = 0;
  for (let i = 0; i < cfg.size; i++) {
    const deps = new Set<string>();
    if (i > 0) for (let k = 0; k < 3; k++) if (random() < 0.6) deps.add(pluginName(Math.floor(random() * i)));
    edges += deps.size;
    dir.plugin(pluginName(i), { 'index.ts': graphPlugin(0, [...deps]) });
  }
  let started = now();
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const buildMs = now() - started;

  const loads: number[] = [];
  const reloads: number[] = [];
  for (let k = 0; k < cfg.loads; k++) {
    const swapper = new Swapper({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
    started = now();
    const details = await swapper.load(undefined);
    loads.push(now() - started);
    if (details.plugins.length !== cfg.size) throw new Error(`loaded ${details.plugins.length} of ${cfg.size} plugins`);
    if (k === cfg.loads - 1) {
      for (let r = 0; r < cfg.reloads; r++) {
        started = now();
        await swapper.reload();
        reloads.push(now() - started);
        await swapper.settled();
      }
    }
    await swapper.close();
  }
  dir.cleanup();
  const loadMs = median(loads.slice(1));
  const result: ScaleResult = {
    size: cfg.size,
    edges,
    buildMs: round(buildMs, 1),
    firstLoadMs: round(loads[0]!, 2),
    loadMs: round(loadMs, 2),
    loadMsPerPlugin: round(loadMs / cfg.size, 4),
    noChangeReloadMs: round(median(reloads), 2),
  };
  return result;
});
