// Case 4: call overhead, ns and bytes per call, in-flight tracking on (it always is).
import { ASYNC_ROWS, BY_NAME, DIRECT_ASYNC, DIRECT_ASYNC_THEN, HANDLE_ASYNC, REPLACED, ROWS } from '../lib/calls-rows.js';
import type { CallFigure, CallRow, CallsConfig } from '../procs/calls.js';
import { fmt, type CaseContext, type CaseResult, type TargetCheck } from '../lib/report.js';
import { runProc } from '../lib/spawn.js';
import type { CanaryConfig, CanaryRow } from '../lib/canary-rows.js';

/** The two canary rows the calls case measures for its canary target, from the canary case's process. */
export const AFTER_RELOAD = 'handle.invoke, after a plain reload';
export const AFTER_CANARY = 'handle.invoke, after a promoted canary';
/** Each canary row runs this many times, the two interleaved; the best of each counts. */
const CANARY_REPEATS = 3;
/** Each timing row runs in this many fresh processes, the rows interleaved; the best of each counts. */
const TIMING_REPEATS = 3;

/** One row: ns per call from a timing process, bytes per call from an allocation process. */
interface Measured {
  key: string;
  ns: CallFigure;
  bytes: CallFigure;
}

// The allocation runs: a full collection on demand, and a new space large
// enough that no collection falls inside a measured round.
const ALLOC_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];
/** Bytes per call below this count as none: what the rest of the process allocates meanwhile. */
const NONE = 1;

export async function calls(ctx: CaseContext): Promise<CaseResult> {
  const base: Omit<CallsConfig, 'row' | 'what'> = ctx.quick
    ? { calls: 200_000, eachCalls: 5_000, rounds: 3, plugins: 10, reloads: 2 }
    : { calls: 5_000_000, eachCalls: 100_000, rounds: 7, plugins: 10, reloads: 8 };
  const rows: Measured[] = [];
  const run = (row: string, what: CallsConfig['what']): Promise<CallRow> =>
    runProc<CallRow>('calls', { ...base, row, what }, { timeoutMs: 10 * 60_000, ...(what === 'ns' ? {} : { exposeGc: true, execArgv: ALLOC_FLAGS }) });
  // Timing: every row in TIMING_REPEATS fresh processes, the rows interleaved (pass k runs each row once), the
  // best of each: one process's figure moves with how V8 laid out its code, by a nanosecond either way on some
  // machines, and load from other work lands on every row alike.
  const timings = new Map<string, CallRow[]>(ROWS.map((key) => [key, []]));
  for (let k = 0; k < (ctx.quick ? 1 : TIMING_REPEATS); k++) {
    // Quick mode measures both in one process: its figures are not comparable anyway.
    for (const key of ROWS) timings.get(key)!.push(await run(key, ctx.quick ? 'both' : 'ns'));
  }
  for (const key of ROWS) {
    const series = timings.get(key)!.map((r) => r.ns!);
    const ns: CallFigure = { fresh: Math.min(...series.map((f) => f.fresh)), reloaded: Math.min(...series.map((f) => f.reloaded)) };
    const bytes = ctx.quick ? timings.get(key)![0]!.bytes! : (await run(key, 'bytes')).bytes!;
    rows.push({ key, ns, bytes });
  }
  // After a canary: the same call site, having run through the canary's routing, against one after a plain
  // reload. The two rows alternate, in fresh processes, so that load from other work lands on both alike.
  const canaryBase: Omit<CanaryConfig, 'row'> = { calls: base.calls, rounds: base.rounds };
  const canarySeries: Record<string, number[]> = { [AFTER_RELOAD]: [], [AFTER_CANARY]: [] };
  for (let k = 0; k < (ctx.quick ? 1 : CANARY_REPEATS); k++) {
    for (const row of k % 2 === 0 ? [AFTER_RELOAD, AFTER_CANARY] : [AFTER_CANARY, AFTER_RELOAD]) {
      const measured = await runProc<CanaryRow>('canary', { ...canaryBase, row }, { timeoutMs: 10 * 60_000 });
      canarySeries[row]!.push(measured.ns);
    }
  }
  const afterCanary = { reload: Math.min(...canarySeries[AFTER_RELOAD]!), canary: Math.min(...canarySeries[AFTER_CANARY]!) };
  const cfg = base;
  const byKey = (key: string): Measured => rows.find((r) => r.key === key)!;
  const direct = byKey('direct');
  const directAsync = byKey(DIRECT_ASYNC);
  const baseOf = (key: string): Measured => (ASYNC_ROWS.includes(key) ? directAsync : direct);
  const ratio = (ns: number, of: number): string => `${fmt(ns / of, 1)}×`;
  return {
    name: 'calls',
    title: '4. Call overhead',
    data: { config: base, rows, afterCanary: { ...afterCanary, series: canarySeries } },
    targets: [...targets(rows, cfg.reloads), canaryTarget(afterCanary.canary, afterCanary.reload)],
    tables: [
      {
        title: `4. Call overhead: ns and bytes per call of add(a, b), in-flight tracking on (best of ${cfg.rounds} rounds of ${cfg.calls.toLocaleString('en-US')} calls, ${cfg.eachCalls.toLocaleString('en-US')} for the awaited rows; ns: the best of ${ctx.quick ? 1 : TIMING_REPEATS} fresh processes per row, the rows interleaved; bytes: one more process per row)`,
        columns: [
          'call',
          'ns/call, first version',
          `ns/call, after ${cfg.reloads} reloads`,
          '× direct, first version',
          `× direct, after ${cfg.reloads} reloads`,
          'bytes/call, first version',
          `bytes/call, after ${cfg.reloads} reloads`,
        ],
        rows: rows.map((r) => {
          const of = baseOf(r.key);
          return [
            r.key,
            fmt(r.ns.fresh, 1),
            fmt(r.ns.reloaded, 1),
            ratio(r.ns.fresh, of.ns.fresh),
            ratio(r.ns.reloaded, of.ns.reloaded),
            fmt(r.bytes.fresh, 1),
            fmt(r.bytes.reloaded, 1),
          ];
        }),
        notes: [
          'direct: a plain function in the host, which V8 inlines into the loop.',
          `${REPLACED}: a variable of the host set to a newly compiled add at each reload, with no hotswap; once its call site has seen a second function while the first still lived, V8 calls through it generically (no inlining) for good: the least a call into code that changed under traffic costs.`,
          'generation.invoke: swapper.current.invoke(plugin, name, ...params) with the literals of the call site; names from input: the same names made at run time, as a host reads them from a request.',
          'live function (held): the function from swapper.current.vault.liveFunc(name), fetched once per generation and called; (per call): fetched on every call.',
          `The async rows await each call of an async add; × direct is against direct async. "+ one then()" gives the direct call's promise one then() with handlers made once: what counting a promise until it settles costs at the least.`,
          `invokeEach: one awaited swapper.current.invokeEach('add', …) over ${cfg.plugins} plugins; ns and bytes per whole walk.`,
          'bytes/call: the heap after a full collection and after a round of calls with no collection between (separate processes, --expose-gc and a 64 MB new space); the smallest of the rounds.',
        ],
      },
      {
        title: `4b. After a canary: ns per call of handle.invoke('add', i, 1) after one plain reload, and after a canary of the same version was promoted (the call site ran through the canary's routing); best of ${ctx.quick ? 1 : CANARY_REPEATS} fresh processes each, interleaved`,
        columns: ['call', 'ns/call', '× after a plain reload', 'each process'],
        rows: [
          [AFTER_RELOAD, fmt(afterCanary.reload, 2), '1.00×', canarySeries[AFTER_RELOAD]!.map((v) => fmt(v, 2)).join(', ')],
          [AFTER_CANARY, fmt(afterCanary.canary, 2), `${fmt(afterCanary.canary / afterCanary.reload, 2)}×`, canarySeries[AFTER_CANARY]!.map((v) => fmt(v, 2)).join(', ')],
        ],
        notes: ['The processes of case 8 (bench/procs/canary.ts): weight 0.5, rules off; the canary is promoted by the host after one round of calls.'],
      },
    ],
  };
}

/** The canary target, judged here: the calls case is where the call path's targets are met or not. */
export function canaryTarget(after: number, before: number): TargetCheck {
  return {
    target: 'canary: no cost on the call path once no canary runs (a handle after a promoted canary within 1.2× of one after a plain reload)',
    measured: `${fmt(after, 2)} ns after the canary, ${fmt(before, 2)} ns after the reload = ${fmt(after / before, 2)}×`,
    met: after <= before * 1.2,
  };
}

function targets(rows: readonly Measured[], reloads: number): TargetCheck[] {
  const byKey = (key: string): Measured => rows.find((r) => r.key === key)!;
  const direct = byKey('direct');
  const typed = ['handle.invoke', 'handle.fn', 'generation.invoke'].map(byKey);
  const within = (list: Measured[], times: number, when: 'fresh' | 'reloaded'): TargetCheck['met'] =>
    list.every((r) => r.ns[when] <= times * direct.ns[when]);
  const show = (list: Measured[], when: 'fresh' | 'reloaded'): string =>
    list.map((r) => `${r.key} ${fmt(r.ns[when], 1)} ns = ${fmt(r.ns[when] / direct.ns[when], 1)}×`).join('; ');
  const byName = byKey(BY_NAME);
  const replaced = byKey(REPLACED);
  const sync = rows.filter((r) => !r.key.includes('async') && r.key !== 'direct' && !r.key.startsWith('invokeEach'));
  const worstBytes = (r: Measured): number => Math.max(r.bytes.fresh, r.bytes.reloaded);
  const directAsync = byKey(DIRECT_ASYNC);
  const onePromise = worstBytes(byKey(DIRECT_ASYNC_THEN)) - directAsync.bytes.fresh;
  const handleAsync = byKey(HANDLE_ASYNC);
  const beyond = worstBytes(handleAsync) - directAsync.bytes.fresh;
  return [
    {
      target: 'typed handle within 3× a direct call',
      measured: show(typed.slice(0, 2), 'fresh'),
      met: within(typed.slice(0, 2), 3, 'fresh'),
    },
    {
      target: 'handle and typed generation.invoke within 3× a direct call, first version',
      measured: show(typed, 'fresh'),
      met: within(typed, 3, 'fresh'),
    },
    {
      target: `handle and typed generation.invoke within 3× a direct call, after ${reloads} reloads`,
      measured: `${show(typed, 'reloaded')} (a plain function replaced ${reloads} times, no hotswap: ${fmt(replaced.ns.reloaded, 1)} ns = ${fmt(replaced.ns.reloaded / direct.ns.reloaded, 1)}×)`,
      met: within(typed, 3, 'reloaded'),
    },
    {
      target: 'a by-name call within 5× a direct call (first version and after reloads)',
      measured: `${byName.key}: ${fmt(byName.ns.fresh, 1)} ns = ${fmt(byName.ns.fresh / direct.ns.fresh, 1)}×, after ${reloads} reloads ${fmt(byName.ns.reloaded, 1)} ns = ${fmt(byName.ns.reloaded / direct.ns.reloaded, 1)}×`,
      met: within([byName], 5, 'fresh') && within([byName], 5, 'reloaded'),
    },
    {
      target: 'a synchronous call allocates nothing',
      measured: sync.map((r) => `${r.key} ${fmt(worstBytes(r), 1)} B`).join('; '),
      met: sync.every((r) => worstBytes(r) < NONE),
    },
    {
      target: "an async call allocates at most one promise beyond the plugin's own",
      measured: `${HANDLE_ASYNC} ${fmt(beyond, 1)} B/call beyond direct async; one then() ${fmt(onePromise, 1)} B`,
      met: beyond <= onePromise + NONE,
    },
  ];
}
