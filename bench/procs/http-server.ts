// Case 5, the server side: an HTTP host whose request handler is a plugin,
// driven by the parent over IPC. It can reload the plugin on a timer while
// the parent's autocannon loads it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { build } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { marker, scratch } from '../lib/fixture.js';
import { roundSummary } from '../lib/memory-loop.js';
import { now } from '../lib/proc.js';
import { restamper } from '../lib/restamp.js';
import { summarize } from '../lib/stats.js';

/** What the parent asks: serve through the plugin or a plain host function, and reload every `reloadEveryMs` (0: never). */
export interface HttpMode {
  handler: 'plugin' | 'direct';
  reloadEveryMs: number;
}

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
      /** Milliseconds of each reload, from writing the artifact to the swap. */
      reloadTimes: number[];
      handlerErrors: number;
      versionsServed: number;
      /** The version markers of the versions that answered requests. */
      versions: string[];
    };

const source = (n: number): string => `import { definePlugin } from '@hotswap/core/plugin';
import type { IncomingMessage, ServerResponse } from 'node:http';
const VALUE = ${JSON.stringify(marker(n))};
export default definePlugin({
  functions: {
    // Answers on the next turn of the event loop, so every call is in flight across a tick.
    handle: (req: IncomingMessage, res: ServerResponse) =>
      new Promise<string>((resolve) => {
        setImmediate(() => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('hello from ' + VALUE + ' for ' + req.url + '\\n');
          resolve(VALUE);
        });
      }),
  },
});
`;

/** The same handler as a plain host function: the baseline without hotswap. */
const direct = (req: IncomingMessage, res: ServerResponse): Promise<string> =>
  new Promise<string>((resolve) => {
    setImmediate(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello from ' + marker(0) + ' for ' + req.url + '\n');
      resolve(marker(0));
    });
  });

const send = (message: FromServer): void => {
  process.send!(message);
};

async function main(): Promise<void> {
  const dir = scratch();
  dir.plugin('web', { 'index.ts': source(0) });
  await build({ pluginDir: dir.src, outputDir: dir.bin, buildStamp: 'v0' });
  const artifact = restamper(join(dir.bin, 'web.hotswap.js'));
  const swapper = new Swapper<{ plugins: { web: { functions: { handle(req: IncomingMessage, res: ServerResponse): Promise<string> } } } }>({ pluginDir: dir.bin, logger: false });
  await swapper.load(undefined);
  const plugin = swapper.handle('web').fn('handle');

  let handler: (req: IncomingMessage, res: ServerResponse) => Promise<string> = plugin;
  let handlerErrors = 0;
  const served = new Set<string>();
  const server = createServer((req, res) => {
    handler(req, res).then(
      (version) => served.add(version),
      () => {
        handlerErrors++;
        if (!res.headersSent) res.writeHead(500);
        res.end();
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');

  let version = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  let stats = { reloads: 0, reloadFailures: 0, skippedTicks: 0, times: [] as number[] };

  process.on('message', (message: ToServer) => {
    if (message.cmd === 'start') {
      handler = message.mode.handler === 'direct' ? direct : plugin;
      stats = { reloads: 0, reloadFailures: 0, skippedTicks: 0, times: [] };
      handlerErrors = 0;
      served.clear();
      if (message.mode.reloadEveryMs > 0) {
        timer = setInterval(() => {
          if (busy !== undefined) {
            stats.skippedTicks++;
            return;
          }
          const started = now();
          artifact.write(++version);
          busy = swapper.reload().then(
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
        });
      })();
    } else if (message.cmd === 'exit') {
      server.close();
      server.closeAllConnections();
      void swapper.close().then(() => {
        dir.cleanup();
        process.exit(0);
      });
    }
  });
  send({ event: 'listening', port: address.port });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
