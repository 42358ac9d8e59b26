// Canaries leave nothing behind: over 40 canary reloads, half promoted and
// half rolled back, with calls on both sides, every version that stopped
// serving is freed and garbage-collected. Runs with --expose-gc.
import { Swapper } from '@hotswap/core';
import { afterAll, expect, it } from 'vitest';
import { trackedPlugin } from '../helpers/tracked.js';
import { workspace } from '../helpers/workspace.js';

const CANARIES = 40;

it(`frees and collects every canary and baseline version over ${CANARIES} canaries, promoted or rolled back`, async () => {
  const ws = workspace();
  afterAll(() => ws.cleanup());
  const big = await trackedPlugin(
    ws,
    'big',
    `import { definePlugin } from '@hotswap/core/plugin';
import { track } from 'gc-probe';
const payload = Array.from({ length: 65536 }, (_, i) => i + 0.5);
let stamp = '';
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; track(payload, ctx.buildStamp); },
  functions: { stamp: () => stamp, async later() { await new Promise((r) => setImmediate(r)); return stamp; } },
});`,
  );
  const { finalized } = big;
  const swapper = new Swapper({ pluginDir: ws.bin, shared: big.shared, logger: false, freeDelay: 0 });
  let collected = 0;
  swapper.on('version:collect', () => collected++);
  await swapper.load();
  const handle = swapper.handle('big');
  let serving = 'v0';
  for (let n = 1; n <= CANARIES; n++) {
    big.restamp(n);
    const canary = await swapper.canary({ weight: 0.5, rules: { auto: false } });
    const seen = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      seen.add(handle.invoke('stamp'));
      seen.add(await swapper.current.invoke('big', 'later'));
    }
    expect(seen).toEqual(new Set([serving, `v${n}`]));
    if (n % 2 === 0) {
      canary.promote();
      serving = `v${n}`;
    } else {
      canary.rollback();
    }
    await canary.settled;
  }
  await swapper.settled();
  await big.collect(CANARIES);
  const gone = Array.from({ length: CANARIES + 1 }, (_, i) => `v${i}`).filter((s) => s !== serving);
  expect(gone.filter((s) => !finalized.has(s))).toEqual([]);
  expect(finalized.has(serving)).toBe(false);
  expect(handle.invoke('stamp')).toBe(serving);
  await swapper.close();
  expect(collected).toBeGreaterThanOrEqual(CANARIES - 5);
}, 60_000);
