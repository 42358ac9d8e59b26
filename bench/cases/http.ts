// Case 5: HTTP under load. The server (a host whose request handler is a
// plugin) runs in a child process; autocannon runs here, in the parent.
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import type { FromServer, HttpMode, ToServer } from '../procs/http-server.js';
import { count, fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { forkProc } from '../lib/spawn.js';
import { roundSummary } from '../lib/memory-loop.js';
import { quantileSorted, round, summarize } from '../lib/stats.js';

export interface HttpScenario {
  key: string;
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
  server: Extract<FromServer, { event: 'stopped' }>;
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

class Server {
  readonly #child: ChildProcess;
  readonly #waiting: Array<{ event: string; resolve: (m: FromServer) => void }> = [];
  readonly #stderr: string[] = [];
  constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.#stderr.push(d));
    child.on('message', (m: FromServer) => {
      const i = this.#waiting.findIndex((w) => w.event === m.event);
      if (i >= 0) this.#waiting.splice(i, 1)[0]!.resolve(m);
    });
    child.on('exit', (code) => {
      for (const w of this.#waiting.splice(0)) {
        w.resolve({ event: 'stopped', reloads: 0, reloadFailures: 0, skippedTicks: 0, reloadMs: {} as never, reloadTimes: [], handlerErrors: -1, versionsServed: 0, versions: [] });
      }
      if (code !== 0) this.#stderr.push(`server exited with ${code}`);
    });
  }
  next<E extends FromServer['event']>(event: E, timeoutMs = 120_000): Promise<Extract<FromServer, { event: E }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server: no ${event} within ${timeoutMs} ms. ${this.#stderr.join('')}`)), timeoutMs);
      this.#waiting.push({
        event,
        resolve: (m) => {
          clearTimeout(timer);
          if (m.event === 'stopped' && m.handlerErrors === -1) reject(new Error(`server died: ${this.#stderr.join('')}`));
          else resolve(m as Extract<FromServer, { event: E }>);
        },
      });
    });
  }
  send(message: ToServer): void {
    this.#child.send(message);
  }
}

async function load(port: number, durationS: number, connections: number): Promise<{ result: autocannon.Result; times: Float64Array; n: number }> {
  let times = new Float64Array(1 << 16);
  let n = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}/hello`, connections, duration: durationS, pipelining: 1 },
      (error: Error | null, r: autocannon.Result) => (error ? reject(error) : resolve(r)),
    );
    // autocannon passes the client first; its type definitions leave it out.
    (instance as unknown as EventEmitter).on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      if (n === times.length) {
        const bigger = new Float64Array(times.length * 2);
        bigger.set(times);
        times = bigger;
      }
      times[n++] = ms;
    });
  });
  return { result, times, n };
}

export async function http(ctx: CaseContext): Promise<CaseResult & { scenarios: HttpScenario[] }> {
  const durationS = ctx.quick ? 1 : 8;
  const warmupS = ctx.quick ? 0.5 : 2;
  // Full runs measure every scenario twice, interleaved, so that a burst of
  // other work on the machine does not land on one scenario alone.
  const rounds = ctx.quick ? 1 : 2;
  const connections = 10;
  const scenarios: Array<{ key: string; mode: HttpMode }> = [
    { key: 'plain host function (no hotswap)', mode: { handler: 'direct', reloadEveryMs: 0 } },
    { key: 'plugin, no reloads', mode: { handler: 'plugin', reloadEveryMs: 0 } },
    { key: 'plugin, reload every 100 ms', mode: { handler: 'plugin', reloadEveryMs: 100 } },
    { key: 'plugin, reload every 10 ms', mode: { handler: 'plugin', reloadEveryMs: 10 } },
  ];
  interface Acc {
    times: Float64Array[];
    requests: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    server: Extract<FromServer, { event: 'stopped' }>[];
  }
  const acc = new Map<string, Acc>(
    scenarios.map((s) => [s.key, { times: [], requests: 0, errors: 0, timeouts: 0, non2xx: 0, server: [] }]),
  );
  const child = forkProc('http-server', {});
  const server = new Server(child);
  const results: HttpScenario[] = [];
  try {
    const { port } = await server.next('listening');
    // Warm up the client and the server's HTTP stack once, then each scenario on its own.
    await load(port, warmupS, connections);
    for (let round_ = 0; round_ < rounds; round_++) {
      for (const s of scenarios) {
        // Warm up each scenario in its own mode (JIT, connections, reloads), then measure it afresh.
        server.send({ cmd: 'start', mode: s.mode });
        await server.next('started');
        await load(port, warmupS, connections);
        server.send({ cmd: 'stop' });
        await server.next('stopped');
        server.send({ cmd: 'start', mode: s.mode });
        await server.next('started');
        const { result, times, n } = await load(port, durationS, connections);
        server.send({ cmd: 'stop' });
        const a = acc.get(s.key)!;
        a.server.push(await server.next('stopped'));
        a.times.push(times.slice(0, n));
        a.requests += result.requests.total;
        a.errors += result.errors;
        a.timeouts += result.timeouts;
        a.non2xx += result.non2xx;
        ctx.log(`  http: ${s.key}, round ${round_ + 1}: ${fmt(result.requests.total / durationS, 0)} req/s`);
      }
    }
  } finally {
    server.send({ cmd: 'exit' });
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
  for (const s of scenarios) {
    const a = acc.get(s.key)!;
    const sorted = new Float64Array(a.times.reduce((n, t) => n + t.length, 0));
    let at = 0;
    for (const t of a.times) {
      sorted.set(t, at);
      at += t.length;
    }
    sorted.sort();
    const sum = (k: 'reloads' | 'reloadFailures' | 'skippedTicks' | 'handlerErrors'): number =>
      a.server.reduce((n, x) => n + x[k], 0);
    results.push({
      key: s.key,
      mode: s.mode,
      durationS: durationS * rounds,
      connections,
      requests: a.requests,
      rps: round(a.requests / (durationS * rounds), 1),
      latency: Object.fromEntries(PERCENTILES.map(([k, q]) => [k, round(quantileSorted(sorted, q), 3)])),
      errors: a.errors,
      timeouts: a.timeouts,
      non2xx: a.non2xx,
      server: {
        event: 'stopped',
        reloads: sum('reloads'),
        reloadFailures: sum('reloadFailures'),
        skippedTicks: sum('skippedTicks'),
        reloadMs: roundSummary(summarize(a.server.flatMap((x) => x.reloadTimes))),
        reloadTimes: [],
        handlerErrors: sum('handlerErrors'),
        versionsServed: new Set(a.server.flatMap((x) => x.versions)).size,
        versions: [],
      },
    });
  }
  const reloading = results.filter((r) => r.mode.reloadEveryMs > 0);
  const failed = reloading.reduce((a, r) => a + r.errors + r.non2xx + r.timeouts + r.server.handlerErrors + r.server.reloadFailures, 0);
  return {
    name: 'http',
    title: '5. HTTP under load',
    scenarios: results,
    data: { durationS, rounds, warmupS, connections, scenarios: results },
    targets: [
      {
        target: 'zero failed requests under load with reloads',
        measured: `${count(failed)} failed (errors + timeouts + non-2xx + handler errors + failed reloads) over ${count(reloading.reduce((a, r) => a + r.requests, 0))} requests and ${count(reloading.reduce((a, r) => a + r.server.reloads, 0))} reloads`,
        met: failed === 0,
      },
    ],
    tables: [
      {
        title: `5. HTTP under load: autocannon, ${connections} connections, ${rounds} × ${durationS} s per row (rounds interleaved, each after ${warmupS} s of warm-up), loopback; server in a child process`,
        columns: ['handler', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'timeouts', 'non-2xx', 'reloads done', 'reload p50 ms', 'versions that served'],
        rows: results.map((r) => [
          r.key,
          fmt(r.rps, 0),
          fmt(r.latency['p50'], 2),
          fmt(r.latency['p99'], 2),
          fmt(r.latency['p99.9'], 2),
          count(r.errors),
          count(r.timeouts),
          count(r.non2xx),
          r.mode.reloadEveryMs > 0 ? `${count(r.server.reloads)}${r.server.reloadFailures > 0 ? ` (${r.server.reloadFailures} failed)` : ''}` : '–',
          r.mode.reloadEveryMs > 0 ? fmt(r.server.reloadMs.p50, 2) : '–',
          r.mode.handler === 'plugin' ? count(r.server.versionsServed) : '–',
        ]),
        notes: [
          'the handler answers on the next turn of the event loop (setImmediate), so calls are in flight across reloads.',
          'latency is each response’s own time as autocannon measured it, at sub-millisecond resolution.',
          'a reload tick that comes while the previous reload still runs is skipped (reloads never queue up).',
        ],
      },
    ],
  };
}
