import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { describe, ErrorCodes, isHotswapError } from '../../errors.js';
import type { HostTypes } from '../../plugin.js';
import type { ReloadDetails } from '../../reload/details.js';
import { Swapper } from '../../swapper.js';
import { isCanaryTarget, type ReloadTarget } from '../target.js';
import { EventStreams } from './events.js';
import { canaryRoute, isCanaryRoute } from './canary.js';
import { bracket } from './options.js';
import { sendPage } from './page.js';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus.js';
import { authorized, hostAllowed, readBody, rollbackOf, send } from './request.js';

/** Where a standalone endpoint listens, for the Host check; a mounted handler checks against the address each request arrived on. */
export interface Endpoint {
  /** The bound address. */
  host: string;
  /** The bound port, once known. */
  port: () => number;
  scheme: 'http' | 'https';
}

/** What the handler checks requests against. */
export interface HandlerConfig {
  /** Undefined for a mounted handler. */
  endpoint: Endpoint | undefined;
  allowedHosts: readonly string[];
  bodyLimit: number;
  /** The token's digest. */
  expected: Buffer;
  /** `''` or a path such as `/hotswap`. */
  prefix: string;
}

const ROUTES: Record<string, string> = {
  '/reload': 'POST',
  '/canary': 'POST',
  '/canary/promote': 'POST',
  '/canary/rollback': 'POST',
  '/status': 'GET',
  '/metrics': 'GET',
  '/events': 'GET',
  '/': 'GET',
};

/**
 * The admin endpoint's request handler, `(req, res) => void` for
 * `node:http`: checks the Host header, serves the status page (which holds
 * no data), checks the bearer token, then routes `POST /reload`,
 * `GET /status`, `GET /metrics` and `GET /events`, under the prefix. Never
 * throws; an unexpected error is a 500.
 */
export function adminHandler<T extends HostTypes>(
  target: Swapper<T> | ReloadTarget,
  reload: (rollback: boolean) => Promise<ReloadDetails>,
  config: HandlerConfig,
): (req: IncomingMessage, res: ServerResponse) => void {
  // A swapper has every route; another target (a cluster coordinator) has /reload and /status.
  const swapper = target instanceof Swapper ? target : undefined;
  const streams = swapper === undefined ? undefined : new EventStreams(swapper);
  const { bodyLimit, expected, prefix } = config;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { host, port, scheme } = endpointOf(config.endpoint, req);
    const hostHeader = req.headers.host;
    if (!hostAllowed(hostHeader, { bound: host, port, scheme, extra: config.allowedHosts, local: req.socket.localAddress })) {
      return send(res, 421, {
        ok: false,
        error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: `this endpoint does not answer for Host ${JSON.stringify(hostHeader ?? '')}; use ${scheme}://${bracket(host)}:${port}, or list the name in allowedHosts` },
      });
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname === prefix ? '' : url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : undefined;
    if (path === '' && req.method === 'GET') {
      // The page's relative addresses need the trailing slash.
      res.writeHead(308, { location: `${prefix}/${url.search}` });
      res.end();
      return;
    }
    // The page holds no data and no secret: everything it shows comes from the routes below, which need the token.
    if (path === '/' && req.method === 'GET') return sendPage(res);
    if (!authorized(req.headers.authorization, expected)) {
      res.setHeader('www-authenticate', 'Bearer realm="hotswap"');
      return send(res, 401, { ok: false, error: { code: ErrorCodes.ADMIN_UNAUTHORIZED, message: 'a valid bearer token is required' } });
    }
    const body = await readBody(req, bodyLimit);
    if (body === undefined) {
      // Stop reading: the rest of an oversized body is never taken in.
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroy());
      return send(res, 413, { ok: false, error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: `the request body is over ${bodyLimit} bytes` } });
    }
    const method = path === undefined ? undefined : ROUTES[path];
    if (path === undefined || method === undefined) {
      return send(res, 404, { ok: false, error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: `no ${url.pathname}; there are POST ${prefix}/reload, POST ${prefix}/canary (and /canary/promote, /canary/rollback), GET ${prefix}/status, GET ${prefix}/metrics, GET ${prefix}/events and the page at ${prefix}/` } });
    }
    if (req.method !== method) {
      res.setHeader('allow', method);
      return send(res, 405, { ok: false, error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: `${url.pathname} takes ${method}` } });
    }
    if (path === '/status') return send(res, 200, { ok: true, status: target.status() });
    if (path === '/reload') return reloadRoute(res, url, body, reload);
    // A coordinator runs cluster canaries: the same routes, a canary in every worker.
    if (isCanaryRoute(path) && isCanaryTarget(target)) return answer(res, () => canaryRoute(target, path, body));
    if (swapper === undefined || streams === undefined) {
      return send(res, 404, { ok: false, error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: `${url.pathname} is served by a swapper's endpoint; this one has POST ${prefix}/reload${isCanaryTarget(target) ? `, POST ${prefix}/canary (and /canary/promote, /canary/rollback)` : ''} and GET ${prefix}/status` } });
    }
    if (path === '/events') return streams.open(res);
    if (path === '/metrics') {
      const text = prometheusText(swapper.metrics());
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    return send(res, 404, { ok: false, error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: `no ${url.pathname}` } });
  };

  return (req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: { message: describe(error) } }));
  };
}

/** `POST /reload`: a reload, an explicit rollback with `?rollback=1` or `{"rollback":true}`. */
function reloadRoute(res: ServerResponse, url: URL, body: Buffer, reload: (rollback: boolean) => Promise<ReloadDetails>): Promise<void> {
  const rollback = rollbackOf(url, body);
  if (typeof rollback === 'string') {
    send(res, 400, { ok: false, error: { code: ErrorCodes.ADMIN_BAD_REQUEST, message: rollback } });
    return Promise.resolve();
  }
  return answer(res, async () => ({ details: await reload(rollback) }));
}

/** Sends what `work` resolves with (200), or its error: 422 with the code for a HotswapError, 500 for anything else. */
async function answer(res: ServerResponse, work: () => Promise<object>): Promise<void> {
  try {
    return send(res, 200, { ok: true, ...(await work()) });
  } catch (error) {
    const e = isHotswapError(error) ? error : undefined;
    return send(res, e === undefined ? 500 : 422, {
      ok: false,
      error: { code: e?.code, message: e?.message ?? describe(error), plugin: e?.plugin, stage: e?.stage },
    });
  }
}

/** The standalone endpoint, or for a mounted handler the address and port the request arrived on. */
function endpointOf(endpoint: Endpoint | undefined, req: IncomingMessage): { host: string; port: number; scheme: 'http' | 'https' } {
  if (endpoint !== undefined) return { host: endpoint.host, port: endpoint.port(), scheme: endpoint.scheme };
  const socket = req.socket as Partial<TLSSocket> & IncomingMessage['socket'];
  const scheme = socket.encrypted === true ? 'https' : 'http';
  return {
    host: (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    // A request with no socket port (injected in-process, as fastify.inject does) is taken as on the scheme's default port.
    port: socket.localPort ?? (scheme === 'https' ? 443 : 80),
    scheme,
  };
}
