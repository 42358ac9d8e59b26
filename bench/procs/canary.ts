// The canary case: ns per call through a handle and through a generation
// with no canary, while a canary runs (both sides counted), and after one
// was promoted. One row per process.
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { marker, scratch } from '../lib/fixture.js';
import { collect, config, runChild } from '../lib/proc.js';
import { restamper } from '../lib/restamp.js';
import { round } from '../lib/stats.js';
import type { CanaryConfig, CanaryRow } from '../lib/canary-rows.js';

interface Contract {
  plugins: { c0: { functions: { add(a: number, b: number): number } } };
}

function nsPerCall(rounds: number, calls: number, loop: () => number): number {
  const samples: number[] = [];
  let sink = 0;
  loop();
  for (let r = 0; r < rounds; r++) {
    const started = process.hrtime.bigint();
    sink += loop();
    samples.push(Number(process.hrtime.bigint() - started) / calls);
  }
  if (sink === 0.5) console.error('unreachable');
  return Math.min(...samples);
}

runChild(async () => {
  const cfg = config<CanaryConfig>();
  const dir = scratch();
  const source = `import { definePlugin } from '@hotswap/core/plugin';
const VALUE = ${JSON.stringify(marker(0))};
export default definePlugin({ functions: { add: (a: number, b: number) => a + b, value: () => VALUE } });
`;
  dir.plugin('c0', { 'index.ts': source });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const artifact = restamper(join(dir.bin, 'c0.hotswap.js'));
  const swapper = new Swapper<Contract>({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  await swapper.load();
  const handle = swapper.handle('c0');
  const N = cfg.calls;
  const add = (a: number, b: number): number => a + b;
  const loops: Record<string, () => number> = {
    direct: () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += add(i, 1);
      return s;
    },
    handle: () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += handle.invoke('add', i, 1);
      return s;
    },
    current: () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += swapper.current.invoke('c0', 'add', i, 1);
      return s;
    },
  };
  const loop = cfg.row === 'direct' ? loops['direct']! : cfg.row.startsWith('handle') ? loops['handle']! : loops['current']!;
  let counted = 0;
  let ns: number;
  if (cfg.row.endsWith('canary running')) {
    artifact.write(1);
    const canary = await swapper.canary({ weight: 0.5, rules: { auto: false } });
    await collect();
    ns = nsPerCall(cfg.rounds, N, loop);
    const { counts } = canary.status();
    counted = counts.canary.calls + counts.baseline.calls;
    canary.promote();
  } else if (cfg.row.endsWith('after a promoted canary')) {
    artifact.write(1);
    const canary = await swapper.canary({ weight: 0.5, rules: { auto: false } });
    loop();
    canary.promote();
    await swapper.settled();
    await collect();
    ns = nsPerCall(cfg.rounds, N, loop);
  } else if (cfg.row.endsWith('after a plain reload')) {
    artifact.write(1);
    await swapper.reload();
    loop();
    await swapper.settled();
    await collect();
    ns = nsPerCall(cfg.rounds, N, loop);
  } else {
    await collect();
    ns = nsPerCall(cfg.rounds, N, loop);
  }
  await swapper.close();
  dir.cleanup();
  const row: CanaryRow = { key: cfg.row, ns: round(ns, 2), counted };
  return row;
});
