import { createAdminHandler, type HostTypes, type MountedAdminOptions, type Swapper } from '@hotswap/core';
import type { RequestHandler } from 'express';

/**
 * The admin routes (`POST /reload`, `GET /status`) as Express middleware, to
 * mount under a path of the host's choice: `app.use('/_hotswap',
 * adminRouter(swapper, { token }))`. Same token, Host and body rules as
 * `serveAdmin`. Mount it before any body parser (`express.json()` and the
 * like): it reads the body itself. Throws `HOTSWAP_INVALID_OPTION` for a weak
 * token or a bad option.
 */
export function adminRouter<T extends HostTypes>(swapper: Swapper<T>, options: MountedAdminOptions): RequestHandler {
  const handle = createAdminHandler(swapper, options);
  return (req, res) => {
    handle(req, res);
  };
}
