// Source maps go with their versions: 500 reloads of a plugin whose code
// throws (each error's stack mapped to TypeScript) leave memory flat.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact, Swapper } from '@hotswap/core';
import { expect, it } from 'vitest';
import { registeredSourceMaps } from '../../packages/core/src/loader/source-map.js';
import { workspace } from '../helpers/workspace.js';

const RELOADS = 500;
const gc = (globalThis as { gc?: () => void }).gc!;

it(`keeps memory flat over ${RELOADS} reloads of a plugin whose code throws`, async () => {
  const ws = workspace();
  // A sizeable source, so a leaked map would show.
  const filler = Array.from({ length: 300 }, (_, i) => `export const f${i} = (x: number): number => x * ${i} + ${i};`).join('\n');
  ws.plugin('thrower', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
import * as fillers from './filler.js';
export default definePlugin({ functions: { boom(): never { throw new Error('boom ' + Object.keys(fillers).length); } } });`,
    'filler.ts': filler,
  });
  await ws.build();
  const path = join(ws.bin, 'thrower.hotswap.js');
  const built = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _h, format: _f, ...manifest } = built.manifest;
  const swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0, leakTimeout: false });
  await swapper.load(undefined);
  const baseMaps = registeredSourceMaps();

  const cycle = async (n: number): Promise<void> => {
    writeFileSync(path, encodeArtifact({ ...manifest, buildStamp: `s${n}` }, built.code).text);
    await swapper.reload();
    try {
      swapper.current.invoke('thrower', 'boom');
    } catch (error) {
      expect((error as Error).stack).toMatch(/plugins\/thrower\/index\.ts:3:\d+/);
    }
  };
  const settle = async (): Promise<number> => {
    await swapper.settled();
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    return process.memoryUsage().heapUsed;
  };
  // Warm up past the bounded reload history (HISTORY_SIZE, 50 entries), so that the baseline holds it full.
  const WARMUP = 60;
  for (let n = 0; n < WARMUP; n++) await cycle(n);
  const before = await settle();
  for (let n = WARMUP; n < WARMUP + RELOADS; n++) await cycle(n);
  const after = await settle();
  console.log(
    `${RELOADS} reloads of a throwing plugin: heap ${(before / 1048576).toFixed(1)} MB → ${(after / 1048576).toFixed(1)} MB ` +
      `(${((after - before) / 1024 / RELOADS).toFixed(2)} KB per reload), source maps registered: ${registeredSourceMaps()}`,
  );
  expect(registeredSourceMaps()).toBe(baseMaps);
  expect(after - before).toBeLessThan(RELOADS * 1024);
  await swapper.close();
  ws.cleanup();
}, 300_000);
