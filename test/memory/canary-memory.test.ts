// Canaries leave nothing behind: over 40 canary reloads, half promoted and
// half rolled back, with calls on both sides, every version that stopped
// serving is freed and garbage-collected. Runs with --expose-gc.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact, Swapper } from '@hotswap/core';
import { afterAll, expect, it } from 'vitest';
import { workspace } from '../helpers/workspace.js';

const CANARIES = 40;
const gc = (globalThis as { gc?: () => void }).gc;

it(`frees and collects every canary and baseline version over ${CANARIES} canaries, promoted or rolled back`, async () => {
  if (gc === undefined) throw new Error('run with --expose-gc');
  const ws = workspace();
  afterAll(() => ws.cleanup());
  const finalized = new Set<string>();
  const registry = new FinalizationRegistry<string>((stamp) => finalized.add(stamp));
  ws.plugin('big', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
import { track } from 'gc-probe';
const payload = Array.from({ length: 65536 }, (_, i) => i + 0.5);
let stamp = '';
export default definePlugin({
  onLoad(ctx) { stamp = ctx.buildStamp; track(payload, ctx.buildStamp); },
  functions: { stamp: () => stamp, async later() { await new Promise((r) => setImmediate(r)); return stamp; } },
});`,
  });
  await ws.build({ shared: ['gc-probe'], buildStamp: 'v0' });
  const path = join(ws.bin, 'big.hotswap.js');
  const built = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _hash, format: _format, ...manifest } = built.manifest;
  const swapper = new Swapper({
    pluginDir: ws.bin,
    shared: { 'gc-probe': { track: (o: object, s: string) => registry.register(o, s) } },
    logger: false,
    freeDelay: 0,
  });
  let collected = 0;
  swapper.on('version:collect', () => collected++);
  await swapper.load();
  const big = swapper.handle('big');
  let serving = 'v0';
  for (let n = 1; n <= CANARIES; n++) {
    writeFileSync(path, encodeArtifact({ ...manifest, buildStamp: `v${n}` }, built.code).text);
    const canary = await swapper.canary({ weight: 0.5, rules: { auto: false } });
    const seen = new Set<unknown>();
    for (let i = 0; i < 50; i++) {
      seen.add(big.invoke('stamp'));
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
  for (let i = 0; i < 100 && finalized.size < CANARIES; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  const gone = Array.from({ length: CANARIES + 1 }, (_, i) => `v${i}`).filter((s) => s !== serving);
  expect(gone.filter((s) => !finalized.has(s))).toEqual([]);
  expect(finalized.has(serving)).toBe(false);
  expect(big.invoke('stamp')).toBe(serving);
  await swapper.close();
  expect(collected).toBeGreaterThanOrEqual(CANARIES - 5);
}, 60_000);
