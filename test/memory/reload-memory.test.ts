// Retired versions are really freed: 1000 reloads of a plugin that holds
// 1 MiB, every retired version finalized, the heap back where it was.
// Runs in its own process with --expose-gc (see vitest.config.ts).
import { Swapper } from '@hotswap/core';
import { afterAll, expect, it } from 'vitest';
import { trackedPlugin } from '../helpers/tracked.js';
import { workspace } from '../helpers/workspace.js';

const RELOADS = 1000;

it(`frees every retired version over ${RELOADS} reloads of a plugin holding 1 MiB`, async () => {
  const ws = workspace();
  afterAll(() => ws.cleanup());
  const big = await trackedPlugin(
    ws,
    'big',
    `import { definePlugin } from '@hotswap/core/plugin';
import { track } from 'gc-probe';
// 1 MiB of doubles on the heap, owned by this version.
const payload = Array.from({ length: 131072 }, (_, i) => i + 0.5);
export default definePlugin({
  onLoad(ctx) { track(payload, ctx.buildStamp); },
  functions: { sum: () => payload.length },
});`,
  );
  const { finalized } = big;
  const swapper = new Swapper({ pluginDir: ws.bin, shared: big.shared, logger: false, freeDelay: 0 });
  let collectedEvents = 0;
  swapper.on('version:collect', () => collectedEvents++);
  await swapper.load(undefined);
  const gc = (globalThis as { gc?: () => void }).gc!;
  const settle = async (expected: number): Promise<number> => {
    await swapper.settled();
    await big.collect(expected);
    // The census watches another object of each version than the payload, on a registry of its own: its
    // callbacks can come some collections later (bounded: 100 more, 5 ms apart).
    for (let i = 0; i < 100 && collectedEvents < expected; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    return process.memoryUsage().heapUsed;
  };

  // Warm up, so code caches and the like are in the baseline.
  let n = 0;
  for (; n < 20; n++) {
    big.restamp(n + 1);
    await swapper.reload();
  }
  const before = await settle(n);
  for (; n < 20 + RELOADS; n++) {
    big.restamp(n + 1);
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
