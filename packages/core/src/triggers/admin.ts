import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, ErrorCodes, HotswapError } from '../errors.js';
import { consoleLogger } from '../logger.js';
import type { HostTypes } from '../plugin.js';
import type { Swapper } from '../swapper.js';
import type { ReloadTarget } from './target.js';
import { mountAdmin } from './admin/mount.js';
import { bracket, checkOptions, LOOPBACK, type AdminOptions, type AdminServer } from './admin/options.js';

export type { AdminHandlerOptions, AdminOptions, AdminServer } from './admin/options.js';
export { createAdminHandler } from './admin/mount.js';
export { prometheusText, PROMETHEUS_CONTENT_TYPE } from './admin/prometheus.js';

/**
 * Serves `POST /reload` (the reload's details as JSON, or its typed error;
 * `?rollback=1` or the body `{"rollback":true}` asks for an explicit
 * rollback), `GET /status` (the status snapshot), `GET /metrics`
 * (Prometheus text), `GET /events` (server-sent events) and the status
 * page at `/`, for the swapper, on a port of its own: the handler of
 * {@link createAdminHandler}, in a server.
 * Nothing is served until this is called. Every request needs a `Host`
 * header naming this endpoint (against DNS rebinding) and
 * `Authorization: Bearer <token>`, compared in constant time. A request is
 * answered by a reload that starts after it arrived; requests that arrive
 * together share one. Throws `HOTSWAP_INVALID_OPTION` for a bad option and
 * `HOTSWAP_ADMIN_LISTEN_FAILED` when it cannot listen.
 */
export async function serveAdmin<T extends HostTypes>(swapper: Swapper<T> | ReloadTarget, options: AdminOptions): Promise<AdminServer> {
  const settings = checkOptions(options);
  const { host, port: wantedPort } = settings;
  const logger = options.logger ?? consoleLogger();
  const scheme = options.tls === undefined ? 'http' : 'https';
  let port = wantedPort;

  const serverOptions = {
    headersTimeout: settings.headersTimeout,
    requestTimeout: settings.requestTimeout,
    keepAliveTimeout: settings.keepAliveTimeout,
    // Timeouts are enforced on this tick: often enough for the shortest of them.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(settings.headersTimeout / 4))),
  };
  const listener = mountAdmin(swapper, options, 'serveAdmin', { host, port: () => port, scheme });
  const server: Server =
    options.tls === undefined
      ? createHttpServer(serverOptions, listener)
      : createHttpsServer({ ...serverOptions, key: options.tls.key, cert: options.tls.cert }, listener);
  server.maxConnections = settings.maxConnections;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wantedPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HotswapError(
      ErrorCodes.ADMIN_LISTEN_FAILED,
      `the admin endpoint cannot listen on ${bracket(host)}:${wantedPort}: ${code === 'EADDRINUSE' ? 'the port is in use' : describe(error)}. ` +
        'Choose another port (0 picks a free one) or an address of this machine.',
      { cause: error },
    );
  }
  // After listening, a server error (out of file descriptors, say) is reported, never thrown at the host.
  server.on('error', (error) => logger.error({ stage: 'admin' }, `admin endpoint: ${describe(error)}`));
  port = (server.address() as AddressInfo).port;
  if (!LOOPBACK.has(host) && options.tls === undefined) {
    logger.warn({ stage: 'admin' }, `the admin endpoint serves plain HTTP on ${bracket(host)}:${port}, beyond loopback: its token crosses the network in clear. Give serveAdmin tls: { key, cert }, or put TLS in front of it.`);
  }
  return {
    url: `${scheme}://${bracket(host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

