// The plugin the HTTP framework tests serve: `quotes`, whose two functions both
// answer the build stamp of the version they run in, so a response that mixes
// two versions shows. `restamp` rewrites its artifact with a new build stamp
// (no rebuild), for reloading many times a second.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact } from '@hotswap/core';
import { workspace, type Workspace } from './workspace.js';

/** The contract of the framework tests' host. */
export interface QuotesContract {
  plugins: {
    quotes: {
      functions: {
        /** The build stamp of the serving version. */
        label(): string;
        /** `<build stamp> <n>`, after a turn of the event loop. */
        quote(n: number): Promise<string>;
      };
    };
  };
}

export interface Quotes {
  ws: Workspace;
  /** Rewrites the artifact with build stamp `stamp`; the next reload serves it. */
  restamp(stamp: string): void;
}

/** Builds the `quotes` plugin with build stamp `stamp`. */
export async function buildQuotes(stamp = 'q-0'): Promise<Quotes> {
  const ws = workspace();
  ws.plugin('quotes', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({
  setup(ctx) {
    return {
      label: () => ctx.buildStamp,
      quote: async (n: number) => { await new Promise((r) => setImmediate(r)); return ctx.buildStamp + ' ' + n; },
    };
  },
});`,
  });
  await ws.build({ buildStamp: stamp });
  const path = join(ws.bin, 'quotes.hotswap.js');
  const artifact = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _hash, format: _format, ...manifest } = artifact.manifest;
  return {
    ws,
    restamp(next) {
      writeFileSync(path, encodeArtifact({ ...manifest, buildStamp: next }, artifact.code).text);
    },
  };
}

/** A promise and its resolve, to hold a route at a point until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
