import { createAdminHandler, ErrorCodes, HotswapError, type HostTypes, type MountedAdminOptions, type Swapper } from '@hotswap/core';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';

/** The admin routes in the host's Fastify server: where, and with which token and rules. */
export interface HotswapFastifyAdmin extends MountedAdminOptions {
  /** The path the routes go under, such as `/_hotswap`: `POST /_hotswap/reload`, `GET /_hotswap/status`. */
  prefix: string;
}

/** The mark in an admin route's `config` (Fastify copies the config, and binds the handler, so neither is the same object). */
const ADMIN_ROUTE = Symbol('hotswap admin route');

/**
 * Whether `request` is for an admin route, of any `hotswapFastify` in the
 * server: one that holds no generation, as it calls no plugin (an open
 * `GET <prefix>/events` stream would keep a replaced version retiring).
 */
export function isAdminRequest(request: FastifyRequest): boolean {
  return ADMIN_ROUTE in request.routeOptions.config;
}

/** Registers the admin routes under `admin.prefix`. They take over the raw request (no body parsing, no serializer). */
export function mountAdmin<T extends HostTypes>(app: FastifyInstance, swapper: Swapper<T>, admin: HotswapFastifyAdmin): void {
  const prefix = checkPrefix(admin.prefix);
  const handle = createAdminHandler(swapper, { token: admin.token, allowedHosts: admin.allowedHosts, bodyLimit: admin.bodyLimit, coalesceMs: admin.coalesceMs });
  // Answered in onRequest, before Fastify parses the body: the handler reads the body itself, with its own limit.
  const onRequest: onRequestHookHandler = (request, reply, next) => {
    reply.hijack();
    // The handler routes on the path under the prefix: /_hotswap/status?x is /status?x to it.
    const rest = (request.raw.url ?? '/').slice(prefix.length);
    request.raw.url = rest.startsWith('/') ? rest : `/${rest}`;
    handle(request.raw, reply.raw);
    next();
  };
  const unreachable = (): void => {};
  const config = { [ADMIN_ROUTE]: true };
  void app.register(
    (scope, _options, done) => {
      scope.all('/', { onRequest, config }, unreachable);
      scope.all('/*', { onRequest, config }, unreachable);
      done();
    },
    { prefix },
  );
}

function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(prefix) || prefix.includes('//')) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `the admin prefix must be a path such as "/_hotswap", not ${JSON.stringify(prefix)}.`);
  }
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed === '') throw new HotswapError(ErrorCodes.INVALID_OPTION, 'the admin prefix must not be "/": give the routes a path of their own, such as "/_hotswap".');
  return trimmed;
}
