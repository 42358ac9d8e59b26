import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostTypes } from '../../plugin.js';
import type { Swapper } from '../../swapper.js';
import type { ReloadTarget } from '../target.js';
import { adminHandler, type Endpoint } from './handler.js';
import { checkHandlerOptions, type AdminHandlerOptions } from './options.js';
import { reloads } from './reloads.js';
import { digest } from './request.js';

export type { AdminHandlerOptions } from './options.js';

/**
 * The admin endpoint as a request handler, to mount in a server the host
 * already runs (`node:http`, or any framework that hands over Node's
 * request and response): `POST <prefix>/reload`, `GET <prefix>/status`,
 * `GET <prefix>/metrics` (Prometheus text), `GET <prefix>/events`
 * (server-sent events) and the status page at `<prefix>/`, with the same
 * token and Host rules as {@link serveAdmin}. Give it only the requests
 * meant for it; it answers 404 to a path outside the prefix. Throws
 * `HOTSWAP_INVALID_OPTION` for a bad option.
 *
 * @example
 * const admin = createAdminHandler(swapper, { token, prefix: '/hotswap' })
 * createServer((req, res) => (req.url?.startsWith('/hotswap') ? admin(req, res) : app(req, res)))
 */
export function createAdminHandler<T extends HostTypes>(swapper: Swapper<T> | ReloadTarget, options: AdminHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return mountAdmin(swapper, options, 'createAdminHandler', undefined);
}

/** The handler for `createAdminHandler` or, with its endpoint, for `serveAdmin`. @internal */
export function mountAdmin<T extends HostTypes>(
  swapper: Swapper<T> | ReloadTarget,
  options: AdminHandlerOptions,
  who: string,
  endpoint: Endpoint | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { prefix, bodyLimit, coalesceMs } = checkHandlerOptions(options, who);
  return adminHandler(swapper, reloads(swapper, coalesceMs), {
    endpoint,
    allowedHosts: options.allowedHosts ?? [],
    bodyLimit,
    expected: digest(options.token),
    prefix,
  });
}
