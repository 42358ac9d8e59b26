import { createAdminHandler, ErrorCodes, type HostTypes, type MountedAdminOptions, type Swapper } from '@hotswap/core';
import type { Request, RequestHandler } from 'express';
import { releaseHolds } from './middleware.js';

/**
 * The admin routes (`POST /reload`, `GET /status`) as Express middleware, to
 * mount under a path of the host's choice: `app.use('/_hotswap',
 * adminRouter(swapper, { token }))`. Same token, Host and body rules as
 * `serveAdmin`. Mount it before any body parser (`express.json()` and the
 * like): it reads the body itself. Throws `HOTSWAP_INVALID_OPTION` for a weak
 * token or a bad option. A request it serves holds no generation, even
 * with `hotswapMiddleware` mounted before it: the router gives back what the
 * middleware took, so an open status page (`GET /events`) never keeps a
 * replaced version retiring.
 */
export function adminRouter<T extends HostTypes>(swapper: Swapper<T>, options: MountedAdminOptions): RequestHandler {
  const handle = createAdminHandler(swapper, options);
  return (req, res) => {
    // An admin request calls no plugin: what hotswapMiddleware, mounted before, made it hold goes back now,
    // or an open GET /events stream would keep the version a reload replaces retiring until maxFreeWait.
    releaseHolds(req);
    // A body parser mounted before the router read the body already: the router would see none, and a
    // request for a rollback or a canary would turn into a plain reload. It is refused instead, saying why.
    if (bodyTaken(req)) {
      res.status(400).json({
        ok: false,
        error: {
          code: ErrorCodes.INVALID_OPTION,
          message: 'a body parser (express.json() or another) read this request\'s body before the hotswap admin router: mount adminRouter before it, or on a path it does not parse.',
        },
      });
      return;
    }
    handle(req, res);
  };
}

/** Whether something before the router consumed the request's body (body-parser marks a request it parsed with `_body`). */
function bodyTaken(req: Request): boolean {
  return (req as Request & { _body?: unknown })._body === true || req.readableEnded;
}
