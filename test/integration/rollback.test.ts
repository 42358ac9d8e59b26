// A reload that fails at any step is rolled back: the new versions that had
// started get OnFree, and the current generation answers exactly as before.
import { ErrorCodes, isHotswapError, Swapper, type HotswapError, type Stage } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingPlugin, workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let log: string[];
let swapper: Swapper;

beforeEach(async () => {
  ws = workspace();
  log = [];
  ws.plugin('steady', {
    'index.ts': `import { definePlugin, type PluginContext } from '@hotswap/core/plugin';
let context: PluginContext | undefined;
export default definePlugin({ onLoad(ctx) { context = ctx; }, functions: { whoami: () => 's1', vault: () => context?.vault } });`,
  });
  ws.plugin('target', { 'index.ts': recordingPlugin('t1') });
  await ws.build({ shared: ['test-log'] });
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0, hookTimeout: 200 });
  await swapper.load(undefined);
  log.length = 0;
});
afterEach(async () => {
  await swapper.close();
  ws.cleanup();
});

async function reloadWith(source: string): Promise<HotswapError> {
  ws.plugin('target', { 'index.ts': source });
  ws.plugin('later', { 'index.ts': recordingPlugin('l1') });
  await ws.build({ shared: ['test-log'], include: /^(target|later)$/ });
  const error = await swapper.reload().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHotswapError(error)) throw new Error(`the reload should have failed, got ${String(error)}`);
  return error;
}

function expectOldGenerationServing(): void {
  expect(swapper.current.id).toBe(1);
  expect(swapper.reloadCounter).toBe(0);
  expect(swapper.current.plugins.map((p) => `${p.name} ${p.state}`)).toEqual(['steady serving', 'target serving']);
  expect(swapper.current.invoke('target', 'whoami')).toBe('t1');
  expect(swapper.current.invoke('steady', 'whoami')).toBe('s1');
}

const throwing: Array<[Stage, string]> = [
  ['reloadable', `reloadable() { throw new Error('no reloadable'); },`],
  ['export', `export() { throw new Error('no export'); },`],
  ['import', `import() { throw new Error('no import'); },`],
  ['onLoad', `onLoad() { throw new Error('no onLoad'); },`],
  ['onInit', `onInit() { throw new Error('no onInit'); },`],
];

describe('a hook that throws fails the reload', () => {
  it.each(throwing)('%s', async (stage, hook) => {
    const error = await reloadWith(recordingPlugin('t2', hook));
    expect(error.code).toBe(ErrorCodes.HOOK_FAILED);
    expect(error.plugin).toBe('target');
    expect(error.stage).toBe(stage);
    expect(error.message).toContain(`plugin "target": ${stage} failed`);
    expect((error.cause as Error).message).toMatch(/^no /);
    expectOldGenerationServing();
    // Hooks of new versions run in name order: "later" comes before "target".
    const frees = log.filter((l) => l.endsWith('onFree'));
    if (stage === 'onLoad') expect(frees).toEqual(['target:t2:onFree', 'later:l1:onFree']);
    else if (stage === 'onInit') expect(frees).toEqual(['target:t2:onFree', 'later:l1:onFree']);
    else expect(frees).toEqual([]);
  });
});

describe('an async hook that rejects fails the reload', () => {
  it.each(throwing)('%s', async (stage, hook) => {
    const error = await reloadWith(recordingPlugin('t2', hook.replace(/^(\w+)\(\)/, 'async $1()')));
    expect(error.code).toBe(ErrorCodes.HOOK_FAILED);
    expect(error.stage).toBe(stage);
    expectOldGenerationServing();
  });
});

describe('failures outside the hooks', () => {
  it('a hook that never settles fails with HOTSWAP_HOOK_TIMEOUT after hookTimeout', async () => {
    const error = await reloadWith(recordingPlugin('t2', `onLoad() { return new Promise(() => {}); },`));
    expect(error.code).toBe(ErrorCodes.HOOK_TIMEOUT);
    expect(error.stage).toBe('onLoad');
    expect(error.message).toContain('200 ms');
    expect(log).toContain('later:l1:onFree');
    expectOldGenerationServing();
  });

  it('top-level code that throws fails with HOTSWAP_EVALUATE_FAILED', async () => {
    const error = await reloadWith(`throw new Error('top-level boom');\nexport default {};`);
    expect(error.code).toBe(ErrorCodes.EVALUATE_FAILED);
    expect(error.stage).toBe('evaluate');
    expect(error.message).toContain('top-level boom');
    expectOldGenerationServing();
  });

  it('a default export that is not a plugin fails with HOTSWAP_PLUGIN_INVALID', async () => {
    const error = await reloadWith(`export default { onload() {} };`);
    expect(error.code).toBe(ErrorCodes.PLUGIN_INVALID);
    expect(error.message).toContain('did you mean "onLoad"?');
    expectOldGenerationServing();
  });

  it('an OnFree that throws during the rollback does not hide the first error', async () => {
    const error = await reloadWith(recordingPlugin('t2', `onInit() { throw new Error('no onInit'); }, onFree() { throw new Error('free fails too'); },`));
    expect(error.stage).toBe('onInit');
    expectOldGenerationServing();
  });

  it('a reload callback that returns false vetoes the reload', async () => {
    ws.plugin('target', { 'index.ts': recordingPlugin('t2') });
    await ws.build({ shared: ['test-log'], include: /^target$/ });
    const seen: number[] = [];
    const error = await swapper
      .reload({
        callback: (next, previous) => {
          seen.push(next.id, previous?.id ?? 0);
          expect(next.invoke('target', 'whoami')).toBe('t2');
          return false;
        },
      })
      .then(() => { throw new Error("the reload should have failed"); }, (e: unknown) => e as HotswapError);
    expect(error.code).toBe(ErrorCodes.RELOAD_VETOED);
    expect(seen).toEqual([2, 1]);
    expect(log).toContain('target:t2:onFree');
    expectOldGenerationServing();
    // Without the veto the same artifacts load.
    await swapper.reload();
    expect(swapper.current.invoke('target', 'whoami')).toBe('t2');
  });

  it('a reload callback that throws fails with HOTSWAP_RELOAD_CALLBACK_FAILED', async () => {
    ws.plugin('target', { 'index.ts': recordingPlugin('t2') });
    await ws.build({ shared: ['test-log'], include: /^target$/ });
    const error = await swapper
      .reload({
        callback: () => {
          throw new Error('not now');
        },
      })
      .then(() => { throw new Error("the reload should have failed"); }, (e: unknown) => e as HotswapError);
    expect(error.code).toBe(ErrorCodes.RELOAD_CALLBACK_FAILED);
    expect((error.cause as Error).message).toBe('not now');
    expectOldGenerationServing();
  });

  it('carried-over plugins get their old vault back after a failed OnInit', async () => {
    const before = swapper.current.vault;
    expect(swapper.current.invoke('steady', 'vault')).toBe(before);
    await reloadWith(recordingPlugin('t2', `onInit() { throw new Error('no onInit'); },`));
    expect(swapper.current.vault).toBe(before);
    expect(swapper.current.invoke('steady', 'vault')).toBe(before);
    expectOldGenerationServing();
  });

  it('emits reload:failure with the error', async () => {
    const failures: string[] = [];
    swapper.on('reload:failure', (e) => failures.push(e.code));
    await reloadWith(recordingPlugin('t2', `onLoad() { throw new Error('no onLoad'); },`));
    expect(failures).toEqual([ErrorCodes.HOOK_FAILED]);
  });
});
