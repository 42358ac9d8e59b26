// Retired versions are really freed: 1000 reloads of a plugin that holds
// 1 MiB, every retired version finalized, the heap back where it was.
// Runs in its own process with --expose-gc (see vitest.config.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact, Swapper } from '@hotswap/core';
import { afterAll, expect, it } from 'vitest';
import { workspace } from '../helpers/workspace.js';

const RELOADS = 1000;
const gc = (globalThis as { gc?: () => void }).gc;

it(`frees every retired version over ${RELOADS} reloads of a plugin holding 1 MiB`, async () => {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const ws = workspace();
  afterAll(() => ws.cleanup());
  const finalized = new Set<string>();
  const registry = new FinalizationRegistry<string>((stamp) => finalized.add(stamp));
  ws.plugin('big', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
import { track } from 'gc-probe';
// 1 MiB of doubles on the heap, owned by this version.
const payload = Array.from({ length: 131072 }, (_, i) => i + 0.5);
export default definePlugin({
  onLoad(ctx) { track(payload, ctx.buildStamp); },
  functions: { sum: () => payload.length },
});`,
  });
  await ws.build({ shared: ['gc-probe'], buildStamp: 'v0' });
  const path = join(ws.bin, 'big.hotswap.js');
  const built = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _hash, format: _format, ...manifest } = built.manifest;
  const stamp = (n: number): void => writeFileSync(path, encodeArtifact({ ...manifest, buildStamp: `v${n}` }, built.code).text);

  const swapper = new Swapper({
    pluginDir: ws.bin,
    shared: { 'gc-probe': { track: (o: object, s: string) => registry.register(o, s) } },
    logger: false,
    freeDelay: 0,
  });
  let collectedEvents = 0;
  swapper.on('version:collect', () => collectedEvents++);
  await swapper.load(undefined);
  const settle = async (expected: number): Promise<number> => {
    await swapper.settled();
    for (let i = 0; i < 100 && finalized.size < expected; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    gc();
    return process.memoryUsage().heapUsed;
  };

  // Warm up, so code caches and the like are in the baseline.
  let n = 0;
  for (; n < 20; n++) {
    stamp(n + 1);
    await swapper.reload();
  }
  const before = await settle(n);
  for (; n < 20 + RELOADS; n++) {
    stamp(n + 1);
    await swapper.reload();
    expect(swapper.current.invoke('big', 'sum')).toBe(131072);
  }
  const after = await settle(n);
  const growth = after - before;
  console.log(
    `${RELOADS} reloads of a 1 MiB plugin: ${finalized.size} of ${n} retired versions finalized, ` +
      `heap ${(before / 1048576).toFixed(1)} MB → ${(after / 1048576).toFixed(1)} MB (${(growth / 1024 / RELOADS).toFixed(2)} KB per reload)`,
  );
  expect(finalized.size).toBe(n);
  expect(finalized.has(`v${n}`)).toBe(false);
  expect(collectedEvents).toBe(n);
  expect(swapper.status().collected).toBe(n);
  // Less than 1 KB per reload on average.
  expect(growth).toBeLessThan(RELOADS * 1024);
  await swapper.close();
}, 300_000);
