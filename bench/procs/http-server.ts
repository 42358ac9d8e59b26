// Case 5, the node:http server: a host whose request handler is a plugin,
// driven by the parent over IPC (see lib/http-host.ts). It can reload the
// plugin on a timer while the parent's autocannon loads it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { marker } from '../lib/fixture.js';
import { runHttpHost } from '../lib/http-host.js';

export type { FromServer, HttpMode, ToServer } from '../lib/http-host.js';

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<string>;
interface Host {
  plugins: { web: { functions: { handle: Handle } } };
}

const source = `import { definePlugin } from '@hotswap/core/plugin';
import type { IncomingMessage, ServerResponse } from 'node:http';
const VALUE = ${JSON.stringify(marker(0))};
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
const direct: Handle = (req, res) =>
  new Promise<string>((resolve) => {
    setImmediate(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello from ' + marker(0) + ' for ' + req.url + '\n');
      resolve(marker(0));
    });
  });

runHttpHost<Host, Handle>({
  plugins: { web: source },
  load: [undefined],
  handlers: (swapper) => (swapper === undefined ? direct : swapper.handle('web').fn('handle')),
  async listen(current, tally) {
    const server = createServer((req, res) => {
      current()(req, res).then(
        (version) => tally.served(version),
        () => {
          tally.failed();
          if (!res.headersSent) res.writeHead(500);
          res.end();
        },
      );
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return {
      port: address.port,
      close() {
        server.close();
        server.closeAllConnections();
      },
    };
  },
}).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
