import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, isHotswapError } from '../../errors.js';
import type { ReloadDetails } from '../../reload/details.js';
import type { ReloadTarget } from '../target.js';
import { bracket } from './options.js';
import { authorized, hostAllowed, readBody, rollbackOf, send } from './request.js';

/** What the handler checks requests against. */
export interface HandlerConfig {
  /** The bound address, for the Host check. */
  host: string;
  /** The bound port, once known. */
  port: () => number;
  scheme: 'http' | 'https';
  allowedHosts: readonly string[];
  bodyLimit: number;
  /** The token's digest. */
  expected: Buffer;
}

/**
 * The admin endpoint's request handler, `(req, res) => void` for
 * `node:http`: checks the Host header and the bearer token, then routes
 * `POST /reload` and `GET /status`. Never throws; an unexpected error is a 500.
 */
export function adminHandler(
  swapper: ReloadTarget,
  reload: (rollback: boolean) => Promise<ReloadDetails>,
  config: HandlerConfig,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { host, scheme, bodyLimit, expected } = config;
    const port = config.port();
    const hostHeader = req.headers.host;
    if (!hostAllowed(hostHeader, { bound: host, port, scheme, extra: config.allowedHosts, local: req.socket.localAddress })) {
      return send(res, 421, {
        ok: false,
        error: { message: `this endpoint does not answer for Host ${JSON.stringify(hostHeader ?? '')}; use ${scheme}://${bracket(host)}:${port}, or list the name in allowedHosts` },
      });
    }
    if (!authorized(req.headers.authorization, expected)) {
      res.setHeader('www-authenticate', 'Bearer realm="hotswap"');
      return send(res, 401, { ok: false, error: { message: 'a valid bearer token is required' } });
    }
    const body = await readBody(req, bodyLimit);
    if (body === undefined) {
      // Stop reading: the rest of an oversized body is never taken in.
      res.setHeader('connection', 'close');
      res.once('finish', () => req.socket.destroy());
      return send(res, 413, { ok: false, error: { message: `the request body is over ${bodyLimit} bytes` } });
    }
    const url = new URL(req.url ?? '/', 'http://admin');
    const routes: Record<string, string> = { '/reload': 'POST', '/status': 'GET' };
    const method = routes[url.pathname];
    if (method === undefined) return send(res, 404, { ok: false, error: { message: `no ${url.pathname}; there are POST /reload and GET /status` } });
    if (req.method !== method) {
      res.setHeader('allow', method);
      return send(res, 405, { ok: false, error: { message: `${url.pathname} takes ${method}` } });
    }
    if (url.pathname === '/status') return send(res, 200, { ok: true, status: swapper.status() });
    const rollback = rollbackOf(url, body);
    if (typeof rollback === 'string') return send(res, 400, { ok: false, error: { message: rollback } });
    try {
      return send(res, 200, { ok: true, details: await reload(rollback) });
    } catch (error) {
      const e = isHotswapError(error) ? error : undefined;
      return send(res, e === undefined ? 500 : 422, {
        ok: false,
        error: { code: e?.code, message: e?.message ?? describe(error), plugin: e?.plugin, stage: e?.stage },
      });
    }
  };

  return (req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: { message: describe(error) } }));
  };
}
