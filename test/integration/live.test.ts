// Live functions and types collected from any module of a plugin, and live
// data that crosses a reload without keeping the old version alive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeArtifact, ErrorCodes, isHotswapError, Swapper, type LiveData } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let swapper: Swapper;
const gc = (globalThis as { gc?: () => void }).gc;

interface Job {
  fn: string;
  data: LiveData;
}
const queue: Job[] = [];
const finalized = new Set<string>();
const registry = new FinalizationRegistry<string>((label) => finalized.add(label));
const host = { queue, track: (o: object, label: string) => registry.register(o, label) };

beforeEach(() => {
  ws = workspace();
  queue.length = 0;
  swapper = new Swapper({ pluginDir: ws.bin, shared: { 'test-host': host }, logger: false, freeDelay: 0 });
});
afterEach(async () => {
  await swapper.close().catch(() => undefined);
  ws.cleanup();
});

/** A plugin with live names in nested modules; `label` tells its versions apart. */
function guardian(label: string): Record<string, string> {
  return {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
import { queue, track } from 'test-host';
import { Live_JobFire } from './jobs/fire.js';
// A version-owned object: finalized only when the whole version is gone.
const owned = { label: ${JSON.stringify(label)}, ballast: new Array(10000).fill(${JSON.stringify(label)}) };
export default definePlugin({
  onLoad(ctx) { track(owned, ctx.buildStamp); },
  functions: {
    queueRollCall(names: string[]) {
      queue.push({ fn: 'live_ResponseRollCall', data: ctx().vault.wrap({ names: new Set(names), at: new Date(0) }) });
    },
    queueFire(target: string) {
      const job = new Live_JobFire();
      job.target = target;
      queue.push({ fn: 'live_runJob', data: ctx().vault.wrap(job) });
    },
  },
});
import { ctx } from './state.js';
`,
    'state.ts': `import type { PluginContext } from '@hotswap/core/plugin';
let current: PluginContext | undefined;
export const setCtx = (c: PluginContext): void => { current = c; };
export const ctx = (): PluginContext => current!;`,
    'jobs/fire.ts': `export class Live_JobFire {
  target = '';
  run(): string { return ${JSON.stringify(label)} + ' fires at ' + this.target; }
}
export function live_runJob(job: { run(): string }): string { return job.run(); }`,
    'lib/deep/roll.ts': `export function live_ResponseRollCall(data: { names: Set<string>; at: Date }): string {
  return ${JSON.stringify(label)} + ' roll call: ' + [...data.names].join(',') + ' at ' + data.at.getTime();
}
export function LIVE_shout(s: string): string { return s.toUpperCase(); }
export const notLive = 1;`,
  };
}

function withCtx(files: Record<string, string>): Record<string, string> {
  return { ...files, 'index.ts': files['index.ts']!.replace('onLoad(ctx) {', 'onLoad(ctx) { setCtx(ctx);').replace("import { ctx } from './state.js';", "import { ctx, setCtx } from './state.js';") };
}

describe('collection', () => {
  it('finds live names in nested modules, in any case, and lists them in the manifest', async () => {
    ws.plugin('guardian', withCtx(guardian('v1')));
    const built = await ws.build({ shared: ['test-host'] });
    expect(built.plugins[0]?.manifest.live).toEqual(['LIVE_shout', 'Live_JobFire', 'live_ResponseRollCall', 'live_runJob']);
    const path = join(ws.bin, 'guardian.hotswap.js');
    expect(decodeArtifact(readFileSync(path, 'utf8'), path).manifest.live).toHaveLength(4);
    await swapper.load(undefined);
    const vault = swapper.current.vault;
    expect([...vault.liveFuncs.keys()].sort()).toEqual(['LIVE_shout', 'live_ResponseRollCall', 'live_runJob']);
    expect([...vault.liveTypes.keys()]).toEqual(['Live_JobFire']);
    expect(vault.liveFunc('LIVE_shout')('hi')).toBe('HI');
  });

  it('takes another prefix with livePrefix', async () => {
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport { hot_one } from './a.js';\nexport default definePlugin({});`,
      'a.ts': `export const hot_one = () => 1;\nexport const live_ignored = () => 2;\nexport class HOT_Two {}`,
    });
    const built = await ws.build({ livePrefix: 'hot_' });
    expect(built.plugins[0]?.manifest.live).toEqual(['HOT_Two', 'hot_one']);
  });

  it('refuses the same live name in two plugins, naming both, and the current generation serves on', async () => {
    ws.plugin('guardian', withCtx(guardian('v1')));
    await ws.build({ shared: ['test-host'] });
    await swapper.load(undefined);
    ws.plugin('copycat', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport const live_runJob = () => 0;\nexport default definePlugin({});` });
    await ws.build({ shared: ['test-host'], include: /^copycat$/ });
    const error = await swapper.reload().catch((e: unknown) => e);
    if (!isHotswapError(error)) throw new Error('expected the reload to fail');
    expect(error.code).toBe(ErrorCodes.LIVE_COLLISION);
    expect(error.message).toContain('plugins "copycat" and "guardian" both define the live name "live_runJob"');
    expect(swapper.current.plugins.map((p) => p.name)).toEqual(['guardian']);
  });
});

describe('jobs queued by one version', () => {
  it('are handled by the next version, and the first version is collected while they wait', async () => {
    if (gc === undefined) throw new Error('run with --expose-gc');
    ws.plugin('guardian', withCtx(guardian('v1')));
    await ws.build({ shared: ['test-host'], buildStamp: 'one' });
    await swapper.load(undefined);
    swapper.current.invoke('guardian', 'queueRollCall', ['ann', 'bob']);
    swapper.current.invoke('guardian', 'queueFire', 'the moon');
    expect(queue).toHaveLength(2);

    ws.plugin('guardian', withCtx(guardian('v2')));
    await ws.build({ shared: ['test-host'], buildStamp: 'two' });
    await swapper.reload();
    await swapper.settled();
    for (let i = 0; i < 50 && !finalized.has('one'); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(finalized.has('one')).toBe(true);
    expect(queue).toHaveLength(2);

    const vault = swapper.current.vault;
    const results = queue.splice(0).map((job) => vault.liveFunc(job.fn)(vault.unwrap(job.data)));
    expect(results).toEqual(['v2 roll call: ann,bob at 0', 'v2 fires at the moon']);
  });

  it('counts a live function call as in flight in its version', async () => {
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport { live_wait } from './w.js';\nexport default definePlugin({});`,
      'w.ts': `export const live_wait = (ms: number) => new Promise((r) => setTimeout(r, ms));`,
    });
    await ws.build();
    await swapper.load(undefined);
    const pending = swapper.current.vault.liveFunc('live_wait')(30);
    expect(swapper.current.find('p')?.inflight).toBe(1);
    await pending;
    expect(swapper.current.find('p')?.inflight).toBe(0);
  });
});
