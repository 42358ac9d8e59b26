// Case 5, what both HTTP servers share: the plugins built once, two swappers
// (leak check off, and on), a reload timer, and the IPC protocol with the
// parent. Each server file (procs/http-*.ts) only says how it routes.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { ARTIFACT_SUFFIX, Swapper, type HostTypes, type LoadArgs } from '@hotswap/core';
import { scratch } from './fixture.js';
import { roundSummary } from './memory-loop.js';
import { now } from './proc.js';
import { restamper, type Restamper } from './restamp.js';
import { summarize } from './stats.js';

/** The leak check of a row: off, or on with `globalThis.gc` present or hidden (as without `--expose-gc`). */
export type LeakCheck = 'off' | 'gc' | 'no-gc';

/** What the parent asks: serve through the plugins or plain host functions, and reload every `reloadEveryMs` (0: never). */
export interface HttpMode {
  handler: 'plugin' | 'direct';
  reloadEveryMs: number;
  /** Default 'off'. */
  leakCheck?: LeakCheck;
  /** The swapper's `boundSync`; default true (the swapper's default). With false the leak check is off. */
  boundSync?: boolean;
}

/** How long after its OnFree a version is checked in the leak-check rows: short, so that checks come due all through a row. */
export const LEAK_ROW_TIMEOUT_MS = 1000;
/** The default `leakCheckInterval` (that of the default `leakTimeout`). */
export const LEAK_ROW_INTERVAL_MS = 30_000;

export type ToServer = { cmd: 'start'; mode: HttpMode } | { cmd: 'stop' } | { cmd: 'exit' };
export type FromServer =
  | { event: 'listening'; port: number }
  | { event: 'started' }
  | {
      event: 'stopped';
      reloads: number;
      reloadFailures: number;
      skippedTicks: number;
      reloadMs: ReturnType<typeof roundSummary>;
      /** Milliseconds of each reload, from the artifact written to the swap. */
      reloadTimes: number[];
      handlerErrors: number;
      versionsServed: number;
      /** The version markers of the versions that answered requests. */
      versions: string[];
      /** Leak checks that reported a version (a version still alive `leakTimeout` after its OnFree). */
      leaks: number;
    };

/** What a server does with the counters of a row. */
export interface Tally {
  served(version: string): void;
  failed(): void;
}

export interface HostSetup<T extends HostTypes, H> {
  /** Plugin name → its source; each holds `marker(0)`, which a reload replaces. */
  plugins: Record<string, string>;
  /** The arguments of `load()` (the data, where the contract has any). */
  load: LoadArgs<T>;
  /** Modules the plugins import and the host shares (built with `--shared`). */
  shared?: Record<string, unknown>;
  /** The handlers a row serves with: through `swapper`'s plugins, or the plain host functions (`undefined`). */
  handlers(swapper: Swapper<T> | undefined): H;
  /** Starts the server; it calls `current()` per request and reports to `tally`. */
  listen(current: () => H, tally: Tally): Promise<{ port: number; close(): void }>;
}

const send = (message: FromServer): void => {
  process.send!(message);
};

export async function runHttpHost<T extends HostTypes, H>(setup: HostSetup<T, H>): Promise<void> {
  const dir = scratch();
  for (const [name, source] of Object.entries(setup.plugins)) dir.plugin(name, { 'index.ts': source });
  const sharedNames = Object.keys(setup.shared ?? {});
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0', ...(sharedNames.length > 0 ? { shared: sharedNames } : {}) });
  // The same artifacts in a second and a third directory, for the swapper with the leak check on and the one unbound.
  const names = Object.keys(setup.plugins);
  const copyOfBin = (name: string): string => {
    const copy = join(dir.root, name);
    mkdirSync(copy, { recursive: true });
    for (const plugin of names) copyFileSync(join(dir.bin, `${plugin}${ARTIFACT_SUFFIX}`), join(copy, `${plugin}${ARTIFACT_SUFFIX}`));
    return copy;
  };
  const leakDir = copyOfBin('bin-leak');
  const unboundDir = copyOfBin('bin-unbound');
  const common = { logger: false as const, ...(setup.shared === undefined ? {} : { shared: setup.shared }) };
  const off = new Swapper<T>({ pluginDir: dir.bin, leakTimeout: false, ...common });
  // The default leak check in its steady state: a check comes due for every version freed (after 1 s here, so
  // within the row, instead of 30 s), and the checks run, with a forced collection, at most once per 30 s.
  const on = new Swapper<T>({ pluginDir: leakDir, leakTimeout: LEAK_ROW_TIMEOUT_MS, leakCheckInterval: LEAK_ROW_INTERVAL_MS, ...common });
  // As `off`, with plugin code run unbounded (boundSync: false): what the bound on synchronous code costs a busy server.
  const unbound = new Swapper<T>({ pluginDir: unboundDir, leakTimeout: false, boundSync: false, ...common });
  let leaks = 0;
  on.on('version:leak', () => leaks++);
  await off.load(...setup.load);
  await on.load(...setup.load);
  await unbound.load(...setup.load);
  const artifacts = new Map<Swapper<T>, Restamper[]>([
    [off, names.map((n) => restamper(join(dir.bin, `${n}${ARTIFACT_SUFFIX}`)))],
    [on, names.map((n) => restamper(join(leakDir, `${n}${ARTIFACT_SUFFIX}`)))],
    [unbound, names.map((n) => restamper(join(unboundDir, `${n}${ARTIFACT_SUFFIX}`)))],
  ]);
  const table = { direct: setup.handlers(undefined), off: setup.handlers(off), on: setup.handlers(on), unbound: setup.handlers(unbound) };
  const exposedGc = (globalThis as { gc?: () => void }).gc;

  let handlers: H = table.off;
  let handlerErrors = 0;
  const served = new Set<string>();
  const server = await setup.listen(() => handlers, {
    served: (v) => served.add(v),
    failed: () => handlerErrors++,
  });

  let version = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  let stats = { reloads: 0, reloadFailures: 0, skippedTicks: 0, times: [] as number[] };

  process.on('message', (message: ToServer) => {
    if (message.cmd === 'start') {
      const leakCheck = message.mode.leakCheck ?? 'off';
      const bound = message.mode.boundSync !== false;
      const swapper = !bound ? unbound : leakCheck === 'off' ? off : on;
      handlers = message.mode.handler === 'direct' ? table.direct : !bound ? table.unbound : leakCheck === 'off' ? table.off : table.on;
      // The census looks for gc when a check runs: hidden, the check works as without --expose-gc.
      (globalThis as { gc?: () => void }).gc = leakCheck === 'no-gc' ? undefined : exposedGc;
      stats = { reloads: 0, reloadFailures: 0, skippedTicks: 0, times: [] };
      handlerErrors = 0;
      leaks = 0;
      served.clear();
      if (message.mode.reloadEveryMs > 0) {
        const files = artifacts.get(swapper)!;
        timer = setInterval(() => {
          if (busy !== undefined) {
            stats.skippedTicks++;
            return;
          }
          // One plugin changes per reload, in turn, as one edit would; written off the event loop, as by a build in another process.
          version++;
          let started = 0;
          busy = files[version % files.length]!.writeAsync(version).then(() => {
            started = now();
            return swapper.reload();
          }).then(
            () => {
              stats.reloads++;
              stats.times.push(now() - started);
            },
            () => {
              stats.reloadFailures++;
            },
          );
          void busy.finally(() => (busy = undefined));
        }, message.mode.reloadEveryMs);
      }
      send({ event: 'started' });
    } else if (message.cmd === 'stop') {
      clearInterval(timer);
      void (async () => {
        await busy;
        send({
          event: 'stopped',
          reloads: stats.reloads,
          reloadFailures: stats.reloadFailures,
          skippedTicks: stats.skippedTicks,
          reloadMs: roundSummary(summarize(stats.times)),
          reloadTimes: stats.times.map((t) => Math.round(t * 1000) / 1000),
          handlerErrors,
          versionsServed: served.size,
          versions: [...served],
          leaks,
        });
      })();
    } else if (message.cmd === 'exit') {
      server.close();
      void Promise.all([off.close(), on.close(), unbound.close()]).then(() => {
        dir.cleanup();
        process.exit(0);
      });
    }
  });
  send({ event: 'listening', port: server.port });
}
