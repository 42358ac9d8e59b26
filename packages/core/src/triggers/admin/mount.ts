import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostTypes } from '../../plugin.js';
import type { Swapper } from '../../swapper.js';
import { adminHandler } from './handler.js';
import { checkOptions, type AdminOptions } from './options.js';
import { reloads } from './reloads.js';
import { digest, send } from './request.js';

/** How admin routes mounted in the host's own server are set up: the token and request rules of `serveAdmin`. */
export type MountedAdminOptions = Pick<AdminOptions, 'token' | 'allowedHosts' | 'bodyLimit' | 'coalesceMs'>;

/**
 * The admin endpoint's routes (`POST /reload`, `GET /status`) as a
 * `(req, res) => void` handler for a server the host already runs, with the
 * token, Host and body rules of `serveAdmin`. `req.url` must be the path
 * under the mount point (`/status`), as Express gives a mounted handler.
 * The Host header may name the address and port the request arrived on, a
 * loopback name with that port, or one of `allowedHosts`. Mount it before
 * any body parser: it reads the body itself. Throws
 * `HOTSWAP_INVALID_OPTION` for a weak token or a bad option.
 */
export function createAdminHandler<T extends HostTypes>(swapper: Swapper<T>, options: MountedAdminOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { bodyLimit, coalesceMs } = checkOptions({ token: options.token, bodyLimit: options.bodyLimit, coalesceMs: options.coalesceMs });
  const reload = reloads(swapper, coalesceMs);
  const expected = digest(options.token);
  const allowedHosts = options.allowedHosts ?? [];
  return (req, res) => {
    if (req.readableEnded && Number(req.headers['content-length'] ?? 0) > 0) {
      send(res, 500, { ok: false, error: { message: 'the request body was already read: mount the admin routes before any body parser' } });
      return;
    }
    const socket = req.socket;
    const scheme = 'encrypted' in socket ? 'https' : 'http';
    const port = socket.localPort ?? (scheme === 'https' ? 443 : 80);
    adminHandler(swapper, reload, { host: socket.localAddress ?? '127.0.0.1', port: () => port, scheme, allowedHosts, bodyLimit, expected })(req, res);
  };
}
