import type { IncomingMessage } from 'node:http';
import { ErrorCodes, holdForResponse, HotswapError, type Generation, type HostTypes, type Swapper } from '@hotswap/core';
import type { RequestHandler } from 'express';

/** The middleware `hotswapMiddleware` makes: mount it with `app.use`, then read each request's generation with `of(req)`. */
export interface HotswapMiddleware<T extends HostTypes> extends RequestHandler {
  /**
   * The generation request `req` started on, held until its response is
   * sent: typed by the swapper's contract, the same for every call of the
   * request. Throws `HOTSWAP_NOT_LOADED` for a request that came before the
   * first load, `HOTSWAP_REQUEST_NOT_HELD` for one the middleware never saw.
   */
  of(req: IncomingMessage): Generation<T>;
}

/**
 * What each request holds, by request, for every middleware (a host may mount
 * one per swapper): `adminRouter` gives it back, so that an admin request
 * (an open `GET /events` stream above all) never keeps a replaced version alive.
 */
const holds = new WeakMap<IncomingMessage, () => void>();

/**
 * Gives back every generation `req` holds and forgets it (`of(req)` then
 * throws `HOTSWAP_REQUEST_NOT_HELD`): for a request the admin router serves,
 * which calls no plugin. Once counts; more calls do nothing. @internal
 */
export function releaseHolds(req: IncomingMessage): void {
  const release = holds.get(req);
  if (release === undefined) return;
  holds.delete(req);
  release();
}

/**
 * Express middleware for `swapper`: each request holds the generation
 * serving when it arrived until its response is sent or its connection
 * closes (success, error, client abort, timeout), and routes read it with
 * `of(req)`, typed by the swapper's contract. Requests before the first load
 * pass through; only `of(req)` fails for them. A request that reaches
 * `adminRouter` gives its generation back there: admin requests hold none.
 */
export function hotswapMiddleware<T extends HostTypes>(swapper: Swapper<T>): HotswapMiddleware<T> {
  const held = new WeakMap<IncomingMessage, Generation<T>>();
  const middleware: RequestHandler = (req, res, next) => {
    let generation: Generation<T>;
    try {
      generation = swapper.current;
    } catch {
      next();
      return;
    }
    held.set(req, generation);
    const release = holdForResponse(generation, res);
    const drop = (): void => {
      // The map too: an entry would keep the generation, and so its versions' code, in memory.
      held.delete(req);
      release();
    };
    const before = holds.get(req);
    holds.set(
      req,
      before === undefined
        ? drop
        : () => {
            before();
            drop();
          },
    );
    next();
  };
  const of = (req: IncomingMessage): Generation<T> => {
    const generation = held.get(req);
    if (generation !== undefined) return generation;
    // Not loaded: swapper.current throws its own HOTSWAP_NOT_LOADED.
    const serving = swapper.current;
    throw new HotswapError(
      ErrorCodes.REQUEST_NOT_HELD,
      `this request has no generation (generation ${serving.id} serves others): mount app.use(hotswapMiddleware(swapper)) before the routes that call of(req), and pass the route's own req.`,
    );
  };
  return Object.assign(middleware, { of });
}
