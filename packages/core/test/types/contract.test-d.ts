// The mistakes the contract is meant to catch, each a compile error here (a
// type test only: vitest does not run it, the typecheck compiles it):
// `tsc -p tsconfig.json` (the typecheck of the test command) checks this
// file, and an `@ts-expect-error` that no longer finds its error fails it.
import {
  ErrorCodes,
  HotswapError,
  isHotswapError,
  Swapper,
  type AbortReason,
  type Canary,
  type Generation,
  type LiveData,
  type PluginInfo,
  type PreparedState,
  type ReloadDetails,
  type ReloadRequest,
  type Vault,
} from '@hotswap/core';
import { definePlugin, type PluginContext } from '@hotswap/core/plugin';
import { assertType, describe, expectTypeOf, it } from 'vitest';

interface AlphaApi {
  pulse(): string;
}
interface Job {
  id: number;
  run(): string;
}
/** A contract for three plugins, one with data, the live things, an extension and a bag. */
interface App {
  data: { startedAt: string };
  extension: { meow: ((n: number) => void) | undefined };
  bag: { hits: number };
  plugins: {
    alpha: { exports: AlphaApi };
    gamma: { imports: 'alpha'; functions: { pulse(): string; add(a: number, b: number): number } };
    store: { functions: { total(): number }; state: { n: number } };
  };
  live: {
    functions: { live_shout(s: string): string };
    types: { Live_Job: new (id: number) => Job };
  };
}
/** A contract whose function takes a wider parameter than an implementation might. */
interface Wide {
  plugins: { m: { functions: { f(x: string | number): string } } };
}
/** A contract whose data may be left out. */
interface Optional {
  data?: { tag: string };
  plugins: { p: { functions: { ping(): string } } };
}

declare const app: Swapper<App>;
declare const optional: Swapper<Optional>;
declare const generation: Generation<App>;
declare const vault: Vault<App>;
declare const job: Job;

describe('plugins without a contract', () => {
  it('infer their functions, and an unannotated parameter is unknown, not never', () => {
    const plugin = definePlugin({ functions: { hum: (n: number) => 'hum '.repeat(n), loose: (x) => x } });
    expectTypeOf(plugin.functions!.hum).toEqualTypeOf<(n: number) => string>();
    expectTypeOf(plugin.functions!.loose).parameter(0).toBeUnknown();
  });

  it('still type their hooks, and a definition key that does not exist is an error', () => {
    definePlugin({
      onLoad(ctx) {
        expectTypeOf(ctx.name).toBeString();
      },
    });
    // @ts-expect-error: onload is not a hook (onLoad is)
    definePlugin({ onload: () => {} });
  });
});

describe('plugins under a contract', () => {
  it('type ctx.imports from the imported plugin\'s exports, and setup(ctx) closes over it', () => {
    definePlugin<App, 'gamma'>({
      import: { alpha: '^1.0.0' },
      setup: (ctx) => {
        expectTypeOf(ctx.imports.alpha).toEqualTypeOf<AlphaApi>();
        expectTypeOf(ctx.name).toEqualTypeOf<'gamma'>();
        expectTypeOf(ctx.data).toEqualTypeOf<{ startedAt: string }>();
        return { pulse: () => ctx.imports.alpha.pulse(), add: (a, b) => a + b };
      },
    });
  });

  it('refuse an import key that does not match the declared imports', () => {
    definePlugin<App, 'gamma'>({
      // @ts-expect-error: alhpa is a typo of alpha
      import: { alhpa: '^1.0.0' },
      functions: { pulse: () => '', add: (a, b) => a + b },
    });
    definePlugin<App, 'gamma'>({
      // @ts-expect-error: alpha is declared but missing
      import: {},
      functions: { pulse: () => '', add: (a, b) => a + b },
    });
    // @ts-expect-error: alpha imports nothing
    definePlugin<App, 'alpha'>({ import: { gamma: '*' }, export: () => ({ pulse: () => '' }) });
  });

  it('refuse a plugin that leaves out the import its contract declares', () => {
    // @ts-expect-error: gamma imports alpha: without `import`, ctx.imports.alpha would be undefined at run time
    definePlugin<App, 'gamma'>({ functions: { pulse: () => '', add: (a, b) => a + b } });
  });

  it('refuse functions that do not match the declared functions', () => {
    // @ts-expect-error: add is declared but missing
    definePlugin<App, 'gamma'>({ import: { alpha: '*' }, functions: { pulse: () => '' } });
    definePlugin<App, 'gamma'>({
      import: { alpha: '*' },
      // @ts-expect-error: pulze is not declared
      functions: { pulse: () => '', add: (a, b) => a + b, pulze: () => '' },
    });
    definePlugin<App, 'gamma'>({
      import: { alpha: '*' },
      // @ts-expect-error: add returns a number
      functions: { pulse: () => '', add: () => 'three' },
    });
    // @ts-expect-error: a plugin that offers functions under the contract must offer them
    definePlugin<App, 'gamma'>({ import: { alpha: '*' } });
  });

  it('check an implementation\'s parameters strictly, though the contract declares its functions as methods', () => {
    definePlugin<Wide, 'm'>({
      // @ts-expect-error: f is declared to take string | number; this one handles strings only
      functions: { f: (x: string) => x.toUpperCase() },
    });
    definePlugin<Wide, 'm'>({
      // @ts-expect-error: the same through setup
      setup: () => ({ f: (x: string) => x.toUpperCase() }),
    });
    definePlugin<Wide, 'm'>({ functions: { f: (x) => String(x) } });
    definePlugin<Wide, 'm'>({ functions: { f(x: string | number) { return String(x); } } });
  });

  it('refuse an async takeState: it must be synchronous', () => {
    // @ts-expect-error: a promise from takeState fails the reload
    definePlugin<App, 'store'>({ functions: { total: () => 0 }, async takeState() {} });
    definePlugin<App, 'store'>({
      functions: { total: () => 0 },
      takeState(previous) {
        expectTypeOf(previous.state).toBeUnknown();
      },
    });
  });

  it('refuse an export of the wrong shape, a wrong state and an undeclared plugin name', () => {
    // @ts-expect-error: pulse must return a string
    definePlugin<App, 'alpha'>({ export: () => ({ pulse: () => 1 }) });
    // @ts-expect-error: the state of store is { n: number }
    definePlugin<App, 'store'>({ functions: { total: () => 0 }, giveState: () => ({ n: 'one' }) });
    // @ts-expect-error: there is no plugin alpah
    definePlugin<App, 'alpah'>({});
  });

  it('type the extension and the bag of the vault', () => {
    definePlugin<App, 'alpha'>({
      export: () => ({ pulse: () => '' }),
      onInit(ctx) {
        expectTypeOf(ctx.vault.bag).toEqualTypeOf<{ hits: number }>();
        ctx.vault.extension.meow = (n) => expectTypeOf(n).toBeNumber();
      },
    });
  });

  it('type an optional data key as the declared type or undefined, not unknown', () => {
    definePlugin<Optional, 'p'>({
      onLoad(ctx) {
        expectTypeOf(ctx.data).toEqualTypeOf<{ tag: string } | undefined>();
      },
      functions: { ping: () => 'pong' },
    });
  });
});

describe('the host', () => {
  it('checks plugin names and types handles from the contract', () => {
    const gamma = app.handle('gamma');
    expectTypeOf(gamma.name).toEqualTypeOf<'gamma'>();
    expectTypeOf(gamma.invoke('add', 1, 2)).toEqualTypeOf<number>();
    expectTypeOf(gamma.fn('pulse')).toEqualTypeOf<() => string>();
    // @ts-expect-error: greeterr is not a plugin of the contract
    app.handle('greeterr');
    // @ts-expect-error: gamma has no function pulze
    gamma.invoke('pulze');
    // @ts-expect-error: add takes numbers
    gamma.invoke('add', '1', 2);
  });

  it('types generation.invoke by plugin and function', () => {
    expectTypeOf(generation.invoke('gamma', 'pulse')).toEqualTypeOf<string>();
    expectTypeOf(generation.invoke('store', 'total')).toEqualTypeOf<number>();
    // @ts-expect-error: store has no function pulse
    generation.invoke('store', 'pulse');
    // @ts-expect-error: no plugin gama
    generation.invoke('gama', 'pulse');
    // @ts-expect-error: no plugin gama
    generation.find('gama');
  });

  it('loads without data where the contract allows none, and reloads with new, previous or no data', () => {
    void optional.load();
    void optional.reload();
    void optional.reload({ data: undefined });
    void optional.reload({ data: { tag: 'x' }, rollback: true });
    void app.load({ startedAt: '' });
    // @ts-expect-error: App's data is required
    void app.load();
    // @ts-expect-error: the data has the contract's shape
    void app.reload({ data: { started: '' } });
    assertType<Promise<unknown>>(new Swapper({ pluginDir: 'bin' }).load());
  });

  it('prepares a reload with the contract\'s data, and hands back a read-only prepared reload', async () => {
    const prepared = await app.prepare({ data: { startedAt: '' }, timeoutMs: 1000 });
    expectTypeOf(prepared.commit()).toEqualTypeOf<ReloadDetails>();
    expectTypeOf(prepared.abort()).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(prepared.state).toEqualTypeOf<PreparedState>();
    expectTypeOf(prepared.abortReason).toEqualTypeOf<AbortReason | undefined>();
    // @ts-expect-error: the data has the contract's shape
    void app.prepare({ data: { started: '' } });
    // @ts-expect-error: the state is read-only
    prepared.state = 'committed';
    // @ts-expect-error: no such abort reason
    const reason: AbortReason = 'crashed';
    void reason;
  });

  it('starts a canary with the contract\'s data and a typed split, and picks typed generations', async () => {
    const canary = await app.canary({ weight: 0.1, by: 'key', rules: { minCalls: 10 }, data: { startedAt: '' } });
    expectTypeOf(canary.promote()).toEqualTypeOf<ReloadDetails>();
    expectTypeOf(canary.status().counts.canary.p99Ms).toEqualTypeOf<number>();
    expectTypeOf((await canary.settled).state).toEqualTypeOf<'promoted' | 'rolled-back'>();
    expectTypeOf(app.pick('user-1')).toEqualTypeOf<Generation<App>>();
    expectTypeOf(app.pick().invoke('gamma', 'pulse')).toEqualTypeOf<string>();
    expectTypeOf(app.activeCanary).toEqualTypeOf<Canary | undefined>();
    // @ts-expect-error: a split is random or by key
    void app.canary({ weight: 0.1, by: 'header' });
    // @ts-expect-error: the weight is required
    void app.canary({ rules: {} });
    // @ts-expect-error: no such rule
    void app.canary({ weight: 0.1, rules: { maxErrors: 3 } });
    // @ts-expect-error: the data has the contract's shape
    void app.canary({ weight: 0.1, data: { started: '' } });
  });

  it('requests a reload with backpressure: a rollback flag only, and the details of the reload that answers it', () => {
    expectTypeOf(app.requestReload()).toEqualTypeOf<Promise<ReloadDetails>>();
    expectTypeOf(app.requestReload({ rollback: true })).toEqualTypeOf<Promise<ReloadDetails>>();
    expectTypeOf<ReloadRequest>().toEqualTypeOf<{ rollback?: boolean }>();
    // @ts-expect-error: a requested reload takes no data; it reloads with the data of the last one
    void app.requestReload({ data: { startedAt: '' } });
  });

  it('hands out read-only snapshots, and cannot make generations or vaults', () => {
    const info: PluginInfo = generation.plugins[0]!;
    // @ts-expect-error: a snapshot is read-only
    info.state = 'freed';
    // @ts-expect-error: the list is read-only
    generation.plugins.push(info);
    // @ts-expect-error: Generation is exported as a type only: its constructor is not public
    void new Generation(1, [], vault);
  });
});

describe('live functions, types and data', () => {
  it('looks live things up by name from the contract', () => {
    expectTypeOf(vault.liveFunc('live_shout')).toEqualTypeOf<(s: string) => string>();
    expectTypeOf(new (vault.liveType('Live_Job'))(1)).toEqualTypeOf<Job>();
    // @ts-expect-error: live_shuot is a typo
    vault.liveFunc('live_shuot');
    // @ts-expect-error: no live type Live_Jab
    vault.liveType('Live_Jab');
  });

  it('wraps only what can cross versions', () => {
    expectTypeOf(vault.wrap({ id: 1, at: new Date(), tags: new Set(['a']), map: new Map([['k', [1]]]) })).toMatchTypeOf<LiveData<unknown>>();
    assertType<LiveData<{ job: Job }>>(vault.wrap({ job }));
    // @ts-expect-error: a function cannot cross versions
    vault.wrap({ fn: () => 1 });
    // @ts-expect-error: nor a function nested in a Map
    vault.wrap(new Map([['k', () => 1]]));
    // @ts-expect-error: nor an instance of a class that is not a live type of the contract
    vault.wrap({ p: Promise.resolve(1) });
    // @ts-expect-error: nor a symbol
    vault.wrap({ s: Symbol('x') });
    const data = vault.wrap({ n: 1 });
    expectTypeOf(vault.unwrap(data)).toEqualTypeOf<{ n: number }>();
  });
});

describe('errors as data', () => {
  it('types code as the union of codes, and isHotswapError narrows by code to typed details', () => {
    const error: unknown = new HotswapError(ErrorCodes.DEP_CYCLE, 'a cycle', { cycle: ['a', 'b', 'a'] });
    if (isHotswapError(error)) {
      // @ts-expect-error: HOTSWAP_NOPE is not a code
      void (error.code === 'HOTSWAP_NOPE');
      if (error.code === ErrorCodes.DEP_VERSION) expectTypeOf(error.details.found).toBeString();
    }
    if (isHotswapError(error, ErrorCodes.DEP_CYCLE)) expectTypeOf(error.details.cycle).toEqualTypeOf<readonly string[]>();
    if (isHotswapError(error, ErrorCodes.DEP_VERSION)) {
      expectTypeOf(error.details.range).toBeString();
      expectTypeOf(error.details.plugin).toEqualTypeOf<string | undefined>();
    }
    if (isHotswapError(error, ErrorCodes.FUNC_NOT_FOUND)) expectTypeOf(error.details.offered).toEqualTypeOf<readonly string[]>();
    if (isHotswapError(error, ErrorCodes.ARTIFACT_HASH_MISMATCH)) expectTypeOf(error.details.expected).toBeString();
    // @ts-expect-error: a code that does not exist
    isHotswapError(error, 'HOTSWAP_NOPE');
    // @ts-expect-error: a cycle needs its names
    void new HotswapError(ErrorCodes.DEP_CYCLE, 'a cycle');
    // A code without facts of its own needs no options.
    void new HotswapError(ErrorCodes.RELOAD_FAILED, 'failed');
  });
});

describe('the plugin entry point', () => {
  it('holds what plugins use and nothing of the host API', async () => {
    const api = await import('@hotswap/core/plugin');
    expectTypeOf(api.definePlugin).toBeFunction();
    expectTypeOf(api.HotswapError).toEqualTypeOf(HotswapError);
    // @ts-expect-error: the swapper is host API
    void api.Swapper;
    // @ts-expect-error: so is the admin endpoint
    void api.serveAdmin;
    expectTypeOf<PluginContext<App, 'gamma'>['imports']>().toEqualTypeOf<{ readonly alpha: AlphaApi }>();
  });
});
