// Case 5: HTTP under load. Each server (a node:http host whose request
// handler is a plugin, and a Fastify 5 host with a plugin behind every route)
// runs in a child process; autocannon runs here, in the parent.
import { LEAK_ROW_INTERVAL_MS, LEAK_ROW_TIMEOUT_MS, type HttpMode } from '../lib/http-host.js';
import { load, ServerChild, type Stopped } from '../lib/http-load.js';
import { roundSummary } from '../lib/memory-loop.js';
import { count, fmt, type CaseContext, type CaseResult, type Table, type TargetCheck } from '../lib/report.js';
import { forkProc } from '../lib/spawn.js';
import { quantileSorted, round, summarize } from '../lib/stats.js';

export type ServerKind = 'node:http' | 'fastify';

export interface HttpScenario {
  key: string;
  server: ServerKind;
  mode: HttpMode;
  durationS: number;
  connections: number;
  requests: number;
  rps: number;
  /** Latency percentiles in ms, from every response's own time (sub-millisecond). */
  latency: Record<string, number>;
  errors: number;
  timeouts: number;
  non2xx: number;
  host: Stopped;
}

/** The percentiles kept for the chart and the JSON. */
export const PERCENTILES: Array<[string, number]> = [
  ['p50', 0.5],
  ['p75', 0.75],
  ['p90', 0.9],
  ['p97.5', 0.975],
  ['p99', 0.99],
  ['p99.9', 0.999],
  ['max', 1],
];

interface ServerPlan {
  server: ServerKind;
  proc: string;
  connections: number;
  paths: string[];
  scenarios: Array<{ key: string; mode: HttpMode }>;
}

const LEAK_S = LEAK_ROW_TIMEOUT_MS / 1000;
const PLANS: ServerPlan[] = [
  {
    server: 'node:http',
    proc: 'http-server',
    connections: 10,
    paths: ['/hello'],
    scenarios: [
      { key: 'plain host function (no hotswap)', mode: { handler: 'direct', reloadEveryMs: 0 } },
      { key: 'plugin, no reloads', mode: { handler: 'plugin', reloadEveryMs: 0 } },
      { key: 'plugin, reload every 100 ms', mode: { handler: 'plugin', reloadEveryMs: 100 } },
      { key: 'plugin, reload every 10 ms', mode: { handler: 'plugin', reloadEveryMs: 10 } },
      { key: 'plugin, reload every 100 ms, leak check on, --expose-gc', mode: { handler: 'plugin', reloadEveryMs: 100, leakCheck: 'gc' } },
      { key: 'plugin, reload every 100 ms, leak check on, no gc', mode: { handler: 'plugin', reloadEveryMs: 100, leakCheck: 'no-gc' } },
      { key: 'plugin, reload every 100 ms, boundSync: false', mode: { handler: 'plugin', reloadEveryMs: 100, boundSync: false } },
    ],
  },
  {
    server: 'fastify',
    proc: 'http-fastify',
    connections: 20,
    paths: ['/hello/world', '/users/7', '/sum?a=1&b=2'],
    scenarios: [
      { key: 'plain host functions (no hotswap)', mode: { handler: 'direct', reloadEveryMs: 0 } },
      { key: 'plugins, no reloads', mode: { handler: 'plugin', reloadEveryMs: 0 } },
      { key: 'plugins, reload every 100 ms', mode: { handler: 'plugin', reloadEveryMs: 100 } },
      { key: 'plugins, reload every 100 ms, leak check on, --expose-gc', mode: { handler: 'plugin', reloadEveryMs: 100, leakCheck: 'gc' } },
      { key: 'plugins, reload every 100 ms, leak check on, no gc', mode: { handler: 'plugin', reloadEveryMs: 100, leakCheck: 'no-gc' } },
      { key: 'plugins, reload every 100 ms, boundSync: false', mode: { handler: 'plugin', reloadEveryMs: 100, boundSync: false } },
    ],
  },
];

interface Acc {
  times: Float64Array[];
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  server: Stopped[];
}

/** Runs one server's rows: `rounds` rounds, interleaved, each row after its own warm-up. */
async function measure(plan: ServerPlan, ctx: CaseContext, durationS: number, warmupS: number, rounds: number): Promise<HttpScenario[]> {
  const acc = new Map<string, Acc>(plan.scenarios.map((s) => [s.key, { times: [], requests: 0, errors: 0, timeouts: 0, non2xx: 0, server: [] }]));
  // --expose-gc for every row: only the leak-check rows' swapper ever calls it (the "no gc" row hides it).
  const profile = process.env['BENCH_HTTP_CPU_PROF'];
  const execArgv = ['--expose-gc', ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`])];
  const server = new ServerChild(forkProc(plan.proc, {}, execArgv));
  const only = process.env['BENCH_HTTP_ONLY'];
  const scenarios = only === undefined ? plan.scenarios : plan.scenarios.filter((s) => s.key.includes(only) || s.mode.reloadEveryMs === 0);
  try {
    const { port } = await server.next('listening');
    await load(port, plan.paths, warmupS, plan.connections);
    for (let r = 0; r < rounds; r++) {
      for (const s of scenarios) {
        // Warm up each row in its own mode (JIT, connections, reloads), then measure it afresh.
        server.send({ cmd: 'start', mode: s.mode });
        await server.next('started');
        await load(port, plan.paths, warmupS, plan.connections);
        server.send({ cmd: 'stop' });
        await server.next('stopped');
        server.send({ cmd: 'start', mode: s.mode });
        await server.next('started');
        const { result, times, n } = await load(port, plan.paths, durationS, plan.connections);
        server.send({ cmd: 'stop' });
        const a = acc.get(s.key)!;
        a.server.push(await server.next('stopped'));
        a.times.push(times.slice(0, n));
        a.requests += result.requests.total;
        a.errors += result.errors;
        a.timeouts += result.timeouts;
        a.non2xx += result.non2xx;
        ctx.log(`  http ${plan.server}: ${s.key}, round ${r + 1}: ${fmt(result.requests.total / durationS, 0)} req/s`);
      }
    }
  } finally {
    await server.exit();
  }
  return scenarios.map((s) => summarizeRow(plan, s, acc.get(s.key)!, durationS * rounds));
}

function summarizeRow(plan: ServerPlan, s: { key: string; mode: HttpMode }, a: Acc, seconds: number): HttpScenario {
  const sorted = new Float64Array(a.times.reduce((n, t) => n + t.length, 0));
  let at = 0;
  for (const t of a.times) {
    sorted.set(t, at);
    at += t.length;
  }
  sorted.sort();
  const sum = (k: 'reloads' | 'reloadFailures' | 'skippedTicks' | 'handlerErrors' | 'leaks'): number => a.server.reduce((n, x) => n + x[k], 0);
  return {
    key: s.key,
    server: plan.server,
    mode: s.mode,
    durationS: seconds,
    connections: plan.connections,
    requests: a.requests,
    rps: round(a.requests / seconds, 1),
    latency: Object.fromEntries(PERCENTILES.map(([k, q]) => [k, round(quantileSorted(sorted, q), 3)])),
    errors: a.errors,
    timeouts: a.timeouts,
    non2xx: a.non2xx,
    host: {
      event: 'stopped',
      reloads: sum('reloads'),
      reloadFailures: sum('reloadFailures'),
      skippedTicks: sum('skippedTicks'),
      reloadMs: roundSummary(summarize(a.server.flatMap((x) => x.reloadTimes))),
      reloadTimes: [],
      handlerErrors: sum('handlerErrors'),
      versionsServed: new Set(a.server.flatMap((x) => x.versions)).size,
      versions: [],
      leaks: sum('leaks'),
    },
  };
}

const failedOf = (r: HttpScenario): number => r.errors + r.non2xx + r.timeouts + r.host.handlerErrors + r.host.reloadFailures;
const pct = (x: number): string => `${fmt(x * 100, 1)}%`;

/** The targets of one server: reloads every 100 ms against no reloads, and the leak check against no leak check. */
function targetsOf(server: ServerKind, rows: HttpScenario[], quick: boolean): TargetCheck[] {
  const find = (f: (m: HttpMode) => boolean): HttpScenario | undefined => rows.find((r) => r.mode.handler === 'plugin' && f(r.mode));
  const still = find((m) => m.reloadEveryMs === 0);
  const reload = find((m) => m.reloadEveryMs === 100 && (m.leakCheck ?? 'off') === 'off' && m.boundSync !== false);
  const judge = (ok: boolean): boolean | null => (quick ? null : ok);
  const out: TargetCheck[] = [];
  if (still !== undefined && reload !== undefined) {
    const loss = 1 - reload.rps / still.rps;
    const p99 = reload.latency['p99']! / still.latency['p99']!;
    out.push(
      {
        target: `${server}: a reload every 100 ms costs ≤ 10% of throughput`,
        measured: `${fmt(reload.rps, 0)} vs ${fmt(still.rps, 0)} req/s without reloads: ${pct(loss)} lost`,
        met: judge(loss <= 0.1),
      },
      {
        target: `${server}: p99 with a reload every 100 ms ≤ 2× no reloads`,
        measured: `${fmt(reload.latency['p99'], 2)} vs ${fmt(still.latency['p99'], 2)} ms (${fmt(p99, 2)}×)`,
        met: judge(p99 <= 2),
      },
    );
  }
  const unbound = find((m) => m.reloadEveryMs === 100 && m.boundSync === false);
  if (still !== undefined && unbound !== undefined) {
    out.push({
      target: `${server}: the same with boundSync: false (not a target: the bound's share)`,
      measured: `${fmt(unbound.rps, 0)} vs ${fmt(still.rps, 0)} req/s without reloads: ${pct(1 - unbound.rps / still.rps)} lost`,
      met: null,
    });
  }
  for (const [check, label] of [
    ['gc', 'with --expose-gc'],
    ['no-gc', 'without --expose-gc'],
  ] as const) {
    const leak = find((m) => m.reloadEveryMs === 100 && m.leakCheck === check);
    if (leak === undefined || reload === undefined) continue;
    const loss = 1 - leak.rps / reload.rps;
    out.push({
      target: `${server}: the leak check ${label} costs ≤ 5% of throughput`,
      measured: `${fmt(leak.rps, 0)} vs ${fmt(reload.rps, 0)} req/s with the check off: ${pct(loss)} lost; ${count(leak.host.leaks)} reported`,
      met: judge(loss <= 0.05),
    });
  }
  return out;
}

function tableOf(plan: ServerPlan, rows: HttpScenario[], rounds: number, durationS: number, warmupS: number): Table {
  return {
    title: `5. HTTP under load, ${plan.server}: autocannon, ${plan.connections} connections${plan.paths.length > 1 ? `, ${plan.paths.length} routes in turn` : ''}, ${rounds} × ${durationS} s per row (rounds interleaved, each after ${warmupS} s of warm-up), loopback; server in a child process`,
    columns: ['handler', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'timeouts', 'non-2xx', 'reloads done', 'reload p50 ms', 'versions that served'],
    rows: rows.map((r) => [
      r.key,
      fmt(r.rps, 0),
      fmt(r.latency['p50'], 2),
      fmt(r.latency['p99'], 2),
      fmt(r.latency['p99.9'], 2),
      count(r.errors),
      count(r.timeouts),
      count(r.non2xx),
      r.mode.reloadEveryMs > 0 ? `${count(r.host.reloads)}${r.host.reloadFailures > 0 ? ` (${r.host.reloadFailures} failed)` : ''}` : '–',
      r.mode.reloadEveryMs > 0 ? fmt(r.host.reloadMs.p50, 2) : '–',
      r.mode.handler === 'plugin' ? count(r.host.versionsServed) : '–',
    ]),
    notes:
      plan.server === 'fastify'
        ? [
            'routes /hello/:name, /users/:id (answers on the next turn of the event loop) and /sum, each answered by its own plugin through a handle; a reload changes one of the three, in turn.',
            `leak check on: the default check in its steady state, a check due for every version freed (leakTimeout ${LEAK_S} s, so within the row) and checks made, with one forced collection, at most every ${LEAK_ROW_INTERVAL_MS / 1000} s (the default leakCheckInterval); "no gc" hides globalThis.gc, as in a process without --expose-gc.`,
          ]
        : [
            'the handler answers on the next turn of the event loop (setImmediate), so calls are in flight across reloads.',
            'latency is each response’s own time as autocannon measured it, at sub-millisecond resolution.',
            'a reload tick that comes while the previous reload still runs is skipped (reloads never queue up).',
            'boundSync: false: a third swapper that runs plugin code unbounded; every other reload row uses the default bound (a vm timeout, a watchdog thread per bounded run).',
          ],
  };
}

export async function http(ctx: CaseContext): Promise<CaseResult & { scenarios: HttpScenario[] }> {
  const durationS = ctx.quick ? 1 : 6;
  const warmupS = ctx.quick ? 0.3 : 1.5;
  // Full runs measure every row twice, interleaved, so that a burst of other
  // work on the machine does not land on one row alone.
  const rounds = ctx.quick ? 1 : 2;
  // Quick mode keeps one row of each kind: the plain functions of node:http only, no 10 ms reloads, the leak check with gc.
  const quickRow = (p: ServerPlan, m: HttpMode): boolean =>
    m.reloadEveryMs !== 10 && m.leakCheck !== 'no-gc' && m.boundSync !== false && (m.handler === 'plugin' || p.server === 'node:http');
  const plans = ctx.quick ? PLANS.map((p) => ({ ...p, scenarios: p.scenarios.filter((s) => quickRow(p, s.mode)) })) : PLANS;
  const results: HttpScenario[] = [];
  const tables: Table[] = [];
  const targets: TargetCheck[] = [];
  for (const plan of plans) {
    const rows = await measure(plan, ctx, durationS, warmupS, rounds);
    results.push(...rows);
    tables.push(tableOf(plan, rows, rounds, durationS, warmupS));
    targets.push(...targetsOf(plan.server, rows, ctx.quick));
  }
  const reloading = results.filter((r) => r.mode.reloadEveryMs > 0);
  const failed = reloading.reduce((a, r) => a + failedOf(r), 0);
  return {
    name: 'http',
    title: '5. HTTP under load',
    scenarios: results,
    data: { durationS, rounds, warmupS, scenarios: results },
    targets: [
      {
        target: 'zero failed requests under load with reloads',
        measured: `${count(failed)} failed (errors + timeouts + non-2xx + handler errors + failed reloads) over ${count(reloading.reduce((a, r) => a + r.requests, 0))} requests and ${count(reloading.reduce((a, r) => a + r.host.reloads, 0))} reloads, both servers`,
        met: failed === 0,
      },
      ...targets,
    ],
    tables,
  };
}
