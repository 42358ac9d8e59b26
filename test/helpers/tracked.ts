// A plugin built once and then restamped (the same code under a new build
// stamp, without a rebuild), with a shared module `gc-probe` whose
// `track(object, stamp)` registers an object of each version for
// finalization: which versions the garbage collector has really freed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact } from '@hotswap/core';
import type { Workspace } from './workspace.js';

export interface TrackedPlugin {
  /** The `shared` option for the swapper: the `gc-probe` module the plugin imports. */
  shared: { 'gc-probe': { track: (object: object, stamp: string) => void } };
  /** The stamps of the versions whose tracked object has been finalized. */
  finalized: Set<string>;
  /** Rewrites the artifact with the build stamp `v<n>`, the code unchanged. */
  restamp(n: number): void;
  /** Runs full collections (up to 100, 5 ms apart) until `expected` versions are finalized, then one more. */
  collect(expected: number): Promise<void>;
}

/** Builds plugin `name` from `source` in `ws` with the stamp `v0`; the source imports `track` from 'gc-probe'. Needs --expose-gc. */
export async function trackedPlugin(ws: Workspace, name: string, source: string): Promise<TrackedPlugin> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  ws.plugin(name, { 'index.ts': source });
  await ws.build({ shared: ['gc-probe'], buildStamp: 'v0' });
  const path = join(ws.bin, `${name}.hotswap.js`);
  const built = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _hash, format: _format, ...manifest } = built.manifest;
  const finalized = new Set<string>();
  const registry = new FinalizationRegistry<string>((stamp) => finalized.add(stamp));
  return {
    shared: { 'gc-probe': { track: (object, stamp) => registry.register(object, stamp) } },
    finalized,
    restamp: (n) => writeFileSync(path, encodeArtifact({ ...manifest, buildStamp: `v${n}` }, built.code).text),
    async collect(expected) {
      for (let i = 0; i < 100 && finalized.size < expected; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 5));
      }
      gc();
    },
  };
}
