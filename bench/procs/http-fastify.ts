// Case 5, the Fastify 5 server: three routes, each answered by its own
// plugin, driven by the parent over IPC (see lib/http-host.ts). A reload
// changes one of the three plugins, in turn.
import Fastify from 'fastify';
import { marker } from '../lib/fixture.js';
import { runHttpHost } from '../lib/http-host.js';

interface Greeting {
  greeting: string;
  version: string;
}
interface User {
  id: number;
  name: string;
  roles: string[];
  version: string;
}
interface Sum {
  sum: number;
  version: string;
}
interface Handlers {
  hello(name: string): Greeting;
  user(id: number): Promise<User>;
  sum(a: number, b: number): Sum;
}
interface Host {
  plugins: {
    greet: { functions: { hello: Handlers['hello'] } };
    users: { functions: { user: Handlers['user'] } };
    math: { functions: { sum: Handlers['sum'] } };
  };
}

const VALUE = `const VALUE = ${JSON.stringify(marker(0))};`;
const plugins = {
  greet: `import { definePlugin } from '@hotswap/core/plugin';
${VALUE}
export default definePlugin({
  functions: { hello: (name: string) => ({ greeting: 'hello, ' + name, version: VALUE }) },
});
`,
  // Answers on the next turn of the event loop, so its calls are in flight across reloads.
  users: `import { definePlugin } from '@hotswap/core/plugin';
${VALUE}
const ROLES = ['reader', 'writer'];
export default definePlugin({
  functions: {
    user: (id: number) =>
      new Promise((resolve) => setImmediate(() => resolve({ id, name: 'user ' + id, roles: ROLES, version: VALUE }))),
  },
});
`,
  math: `import { definePlugin } from '@hotswap/core/plugin';
${VALUE}
export default definePlugin({
  functions: { sum: (a: number, b: number) => ({ sum: a + b, version: VALUE }) },
});
`,
};

/** The same handlers as plain host functions: the baseline without hotswap. */
const ROLES = ['reader', 'writer'];
const direct: Handlers = {
  hello: (name) => ({ greeting: 'hello, ' + name, version: marker(0) }),
  user: (id) => new Promise((resolve) => setImmediate(() => resolve({ id, name: 'user ' + id, roles: ROLES, version: marker(0) }))),
  sum: (a, b) => ({ sum: a + b, version: marker(0) }),
};

const versioned = { type: 'object', properties: { version: { type: 'string' } } } as const;

runHttpHost<Host, Handlers>({
  plugins,
  load: [undefined],
  handlers(swapper) {
    if (swapper === undefined) return direct;
    return { hello: swapper.handle('greet').fn('hello'), user: swapper.handle('users').fn('user'), sum: swapper.handle('math').fn('sum') };
  },
  async listen(current, tally) {
    const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
    app.setErrorHandler((_error, _request, reply) => {
      tally.failed();
      void reply.code(500).send();
    });
    await app.register((routes, _opts, done) => {
      routes.get<{ Params: { name: string } }>(
        '/hello/:name',
        { schema: { response: { 200: { ...versioned, properties: { ...versioned.properties, greeting: { type: 'string' } } } } } },
        (request) => {
          const out = current().hello(request.params.name);
          tally.served(out.version);
          return out;
        },
      );
      routes.get<{ Params: { id: string } }>(
        '/users/:id',
        {
          schema: {
            response: {
              200: {
                type: 'object',
                properties: { id: { type: 'integer' }, name: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, version: { type: 'string' } },
              },
            },
          },
        },
        async (request) => {
          const out = await current().user(Number(request.params.id));
          tally.served(out.version);
          return out;
        },
      );
      routes.get<{ Querystring: { a: string; b: string } }>(
        '/sum',
        { schema: { response: { 200: { ...versioned, properties: { ...versioned.properties, sum: { type: 'number' } } } } } },
        (request) => {
          const out = current().sum(Number(request.query.a), Number(request.query.b));
          tally.served(out.version);
          return out;
        },
      );
      done();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return {
      port: address.port,
      close() {
        void app.close();
        app.server.closeAllConnections();
      },
    };
  },
}).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
