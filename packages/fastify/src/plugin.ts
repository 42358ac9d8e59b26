import { ErrorCodes, holdForResponse, HotswapError, type Generation, type HostTypes, type Swapper } from '@hotswap/core';
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isAdminRequest, mountAdmin, type HotswapFastifyAdmin } from './admin.js';

export type { HotswapFastifyAdmin } from './admin.js';

/**
 * Where a host names its contract for Fastify's types, once, by declaration
 * merging; `request.hotswap` and the `swapper` option are then typed by it.
 *
 * @example
 * declare module '@hotswap/fastify' {
 *   interface HotswapTypes { contract: AppContract }
 * }
 */
export interface HotswapTypes {}

/** The contract named in {@link HotswapTypes}; the loose `HostTypes` when none is. */
export type RegisteredContract = HotswapTypes extends { contract: infer C extends HostTypes } ? C : HostTypes;

/** How `hotswapFastify` is registered. */
export interface HotswapFastifyOptions {
  /** The swapper whose generations serve the requests; loaded before the first request that calls a plugin. */
  swapper: Swapper<RegisteredContract>;
  /** Mount the admin routes (`POST <prefix>/reload`, `GET <prefix>/status`) in this server, behind the token. */
  admin?: HotswapFastifyAdmin;
  /** Close the swapper in Fastify's `onClose`, after the requests in flight. Default true. */
  closeSwapper?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The generation this request started on, held until its response is
     * sent: every plugin call of the request, awaits included, reaches the
     * same versions. Throws `HOTSWAP_NOT_LOADED` when the request came
     * before the first load.
     */
    readonly hotswap: Generation<RegisteredContract>;
  }
}

const plugin: FastifyPluginCallback<HotswapFastifyOptions> = (app: FastifyInstance, options, done) => {
  const { swapper } = options;
  const held = new WeakMap<FastifyRequest, Generation<RegisteredContract>>();

  app.decorateRequest('hotswap', {
    getter(this: FastifyRequest): Generation<RegisteredContract> {
      const generation = held.get(this);
      if (generation !== undefined) return generation;
      // Not loaded: swapper.current throws its own HOTSWAP_NOT_LOADED (a request before the load, or after close).
      const serving = swapper.current;
      throw new HotswapError(
        ErrorCodes.REQUEST_NOT_HELD,
        `this request has no generation (generation ${serving.id} serves others): register hotswapFastify on the instance that declares the route, or on a parent of it.`,
      );
    },
  });

  app.addHook('onRequest', (request, reply, next) => {
    // The admin routes call no plugin and hold nothing: an open status page (GET <prefix>/events) would
    // otherwise keep the version a reload replaces retiring, stuck, until maxFreeWait.
    if (isAdminRequest(request)) {
      next();
      return;
    }
    let generation: Generation<RegisteredContract>;
    try {
      generation = swapper.current;
    } catch {
      // Routes that call no plugin (a health check) still answer before the first load; those that do get the error.
      next();
      return;
    }
    held.set(request, generation);
    // Released when the response is sent or its connection closes: success, error, client abort, timeout.
    holdForResponse(generation, reply.raw);
    next();
  });

  if (options.closeSwapper !== false) {
    app.addHook('onClose', async () => {
      await swapper.close();
    });
  }
  try {
    if (options.admin !== undefined) mountAdmin(app, swapper, options.admin);
  } catch (error) {
    // A bad admin option fails `register` (and `ready`, `listen`) with its HOTSWAP_INVALID_OPTION.
    done(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  done();
};

/**
 * The Fastify plugin: `app.register(hotswapFastify, { swapper })`. Every
 * request holds the generation serving when it arrived until its response
 * is sent, and reads it as `request.hotswap`, typed by the contract named in
 * {@link HotswapTypes}. With `admin`, mounts the admin routes under
 * `admin.prefix`; their requests hold no generation. Throws
 * `HOTSWAP_INVALID_OPTION` (at `register`) for a weak token or a bad prefix.
 */
export const hotswapFastify = fp(plugin, { fastify: '5.x', name: '@hotswap/fastify' });
