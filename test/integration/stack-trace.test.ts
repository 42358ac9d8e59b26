// Errors from plugin code point at the plugin's TypeScript, not at the bundle.
import { inspect } from 'node:util';
import { ErrorCodes, isHotswapError, Swapper, type HotswapError } from '@hotswap/core';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { registeredSourceMaps } from '../../packages/core/src/loader/source-map.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
beforeEach(() => {
  ws = workspace();
  swapper = new Swapper({ pluginDir: ws.bin, logger: false, freeDelay: 0 });
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  ws.cleanup();
});

const source = (onLoadThrows: boolean): string => `import { definePlugin } from '@hotswap/core/plugin';

function fail(message: string): never {
  throw new Error(message);
}

export default definePlugin({
  async onLoad() {
    await Promise.resolve();
    if (${String(onLoadThrows)}) fail('onLoad broke');
  },
  functions: {
    boom: () => fail('boom'),
    later: async () => { await Promise.resolve(); fail('later'); },
  },
});
`;

it('maps a plain throw reaching the caller of invoke to the .ts line and column', async () => {
  ws.plugin('p', { 'index.ts': source(false), 'package.json': '{"version":"1.0.0"}' });
  await ws.build({ debug: true });
  await swapper.load(undefined);
  let error: Error | undefined;
  try {
    swapper.current.invoke('p', 'boom');
  } catch (e) {
    error = e as Error;
  }
  expect(error?.message).toBe('boom');
  const frames = error?.stack?.split('\n') ?? [];
  expect(frames[1]).toMatch(/at fail \(.*\/plugins\/p\/index\.ts:4:9\)/);
  expect(frames[2]).toMatch(/\/plugins\/p\/index\.ts:13:17\)/);
  expect(error?.stack).not.toContain('hotswap.js');
  const rejected: Error = await (swapper.current.invoke('p', 'later') as Promise<never>).catch((e: unknown) => e as Error);
  expect(rejected.stack).toMatch(/at fail \(.*\/plugins\/p\/index\.ts:4:9\)/);
});

it('maps a throw in an async hook, wrapped in a framework error that names the place', async () => {
  ws.plugin('p', { 'index.ts': source(true) });
  await ws.build({ debug: true });
  const error = await swapper.load(undefined).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error('expected the load to fail');
  const failure: HotswapError = error;
  expect(failure.code).toBe(ErrorCodes.HOOK_FAILED);
  expect(failure.message).toMatch(/plugin "p": onLoad failed: onLoad broke \(at .*plugins\/p\/index\.ts:4:9\)$/);
  const cause = failure.cause as Error;
  expect(cause.stack).toMatch(/at fail \(.*\/plugins\/p\/index\.ts:4:9\)/);
  expect(cause.stack).toMatch(/at onLoad \(.*\/plugins\/p\/index\.ts:10:15\)/);
  expect(inspect(failure)).toMatch(/\[cause\]: Error: onLoad broke\n\s+at fail \(.*\/plugins\/p\/index\.ts:4:9\)/);
});

it('maps minified bundles too, and drops each map with its version', async () => {
  ws.plugin('p', { 'index.ts': source(false) });
  await ws.build({ bundlerFlags: ['--minify'] });
  const before = registeredSourceMaps();
  await swapper.load(undefined);
  expect(registeredSourceMaps()).toBe(before + 1);
  const error = (() => {
    try {
      swapper.current.invoke('p', 'boom');
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  expect(error?.stack).toMatch(/\/plugins\/p\/index\.ts:4:9\)/);
  for (let i = 0; i < 5; i++) {
    await ws.build({ bundlerFlags: ['--minify'], buildStamp: `s${i}` });
    await swapper.reload();
  }
  await swapper.settled();
  expect(registeredSourceMaps()).toBe(before + 1);
  await swapper.close();
  expect(registeredSourceMaps()).toBe(before);
});
