// Case 5, the parent's side: a server child over IPC, and autocannon
// loading it while every response's own time is kept.
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import type { FromServer, ToServer } from './http-host.js';

export type Stopped = Extract<FromServer, { event: 'stopped' }>;

export class ServerChild {
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
        w.resolve({ event: 'stopped', reloads: 0, reloadFailures: 0, skippedTicks: 0, reloadMs: {} as never, reloadTimes: [], handlerErrors: -1, versionsServed: 0, versions: [], leaks: 0 });
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
  async exit(): Promise<void> {
    this.send({ cmd: 'exit' });
    await new Promise((resolve) => (this.#child.exitCode === null ? this.#child.once('exit', resolve) : resolve(undefined)));
  }
}

/** Loads `port` for `durationS` with `connections`, cycling through `paths`; keeps every response's time in ms. */
export async function load(
  port: number,
  paths: readonly string[],
  durationS: number,
  connections: number,
): Promise<{ result: autocannon.Result; times: Float64Array; n: number }> {
  let times = new Float64Array(1 << 16);
  let n = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: durationS,
        pipelining: 1,
        requests: paths.map((path) => ({ method: 'GET' as const, path })),
      },
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
