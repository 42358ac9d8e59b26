import { ErrorCodes, HotswapError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** How {@link createAdminHandler} is set up; {@link serveAdmin} takes these too. */
export interface AdminHandlerOptions {
  /**
   * The bearer token every request must carry: at least 16 printable ASCII
   * characters without spaces, at least 8 of them different, and at least 64
   * bits by the estimate length × log2(distinct characters). `openssl rand
   * -hex 24` makes one.
   */
  token: string;
  /**
   * The path the routes are served under, such as `/hotswap`: then
   * `/hotswap/reload`, `/hotswap/status`, `/hotswap/metrics`,
   * `/hotswap/events` and the status page at `/hotswap/`. It is matched
   * against the request's URL as the handler receives it. Default: none, the
   * routes at the root.
   */
  prefix?: string;
  /**
   * More names a request's `Host` header may give (such as
   * `admin.example.com`), with or without a port. Always accepted:
   * `localhost`, `127.0.0.1`, `[::1]`, the bound address and the address the
   * request arrived on, with the port it arrived on.
   */
  allowedHosts?: readonly string[];
  /** The largest request body accepted, in bytes; a request over it gets 413 and its connection is closed. Default 16384. */
  bodyLimit?: number;
  /**
   * Reload requests within this many ms of each other share one reload that
   * has not started yet (for at most ten times this in all). Default 25.
   */
  coalesceMs?: number;
}

/** How {@link serveAdmin} is set up: the handler's options, and the server's. */
export interface AdminOptions extends AdminHandlerOptions {
  /** The address to listen on. Default `127.0.0.1`; anything but loopback needs `allowRemote`. */
  host?: string;
  /** The port, an integer from 0 to 65535; 0 (the default) picks a free one. */
  port?: number;
  /** Allow a host other than loopback. Off by default: reloading is an administrator's act. */
  allowRemote?: boolean;
  /** Serve HTTPS with this key and certificate (PEM), as `node:https` takes them. Meant for `allowRemote`. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Longest a client may take to send a request's headers, in ms. Default 5000. */
  headersTimeout?: number;
  /** Longest a client may take to send a whole request, in ms; not less than `headersTimeout`. Default 10000. */
  requestTimeout?: number;
  /** How long an idle kept-alive connection stays open, in ms. Default 5000. */
  keepAliveTimeout?: number;
  /** The most connections open at once; more are closed at once. Default 32. */
  maxConnections?: number;
  /** Where the endpoint writes its warnings (plain HTTP beyond loopback). Default: stderr, like the swapper's default logger. */
  logger?: Logger;
}

/** A running admin endpoint. */
export interface AdminServer {
  /** `http://host:port`, or `https://host:port` with `tls`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The loopback names the endpoint may listen on without `allowRemote`. */
export const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/** The handler's options with their defaults, checked. */
export interface HandlerSettings {
  prefix: string;
  bodyLimit: number;
  coalesceMs: number;
}

/** The server's options with their defaults, checked. */
export interface Settings extends HandlerSettings {
  host: string;
  port: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxConnections: number;
}

const invalid = (message: string): HotswapError => new HotswapError(ErrorCodes.INVALID_OPTION, message);

/** An integer option between `min` and `max`, or its default. */
function integer<O extends object>(who: string, options: O, name: keyof O & string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value: unknown = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${who}'s ${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Checks what the handler takes, for `createAdminHandler` or `serveAdmin` (`who`, for the messages). */
export function checkHandlerOptions(options: AdminHandlerOptions, who: string): HandlerSettings {
  const tokenProblem = weakToken(options.token);
  if (tokenProblem !== undefined) {
    throw invalid(`the admin endpoint's token is too weak: ${tokenProblem}. Use a random one, e.g. from \`openssl rand -hex 24\`.`);
  }
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || !options.allowedHosts.every((h) => typeof h === 'string' && h !== ''))) {
    throw invalid(`${who}'s allowedHosts must be a list of host names, not ${JSON.stringify(options.allowedHosts)}.`);
  }
  return {
    prefix: prefixOf(options.prefix, who),
    bodyLimit: integer(who, options, 'bodyLimit', 16_384, 0),
    coalesceMs: integer(who, options, 'coalesceMs', 25, 0),
  };
}

/** `/hotswap` for `/hotswap` or `/hotswap/`, `''` for none or `/`; refuses anything but plain path segments. */
function prefixOf(prefix: unknown, who: string): string {
  if (prefix === undefined) return '';
  const segment = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;
  const parts = typeof prefix === 'string' && prefix.startsWith('/') ? prefix.split('/').slice(1) : undefined;
  if (parts !== undefined && parts.at(-1) === '') parts.pop();
  if (parts === undefined || !parts.every((p) => segment.test(p) && p !== '.' && p !== '..')) {
    throw invalid(`${who}'s prefix must be a path such as "/hotswap" (starting with /, plain segments, no ?, # or ..), not ${JSON.stringify(prefix)}.`);
  }
  return parts.length === 0 ? '' : `/${parts.join('/')}`;
}

export function checkOptions(options: AdminOptions): Settings {
  const handler = checkHandlerOptions(options, 'serveAdmin');
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalid(`serveAdmin's host must be an address, not ${JSON.stringify(host)}.`);
  if (!LOOPBACK.has(host) && options.allowRemote !== true) {
    throw invalid(`the admin endpoint would listen on ${host}, beyond loopback. Set allowRemote: true if that is meant, and give it tls: { key, cert }.`);
  }
  const number = (name: keyof AdminOptions, fallback: number, min: number, max?: number): number => integer('serveAdmin', options, name, fallback, min, max);
  const settings: Settings = {
    ...handler,
    host,
    port: number('port', 0, 0, 65_535),
    headersTimeout: number('headersTimeout', 5000, 1),
    requestTimeout: number('requestTimeout', 10_000, 1),
    keepAliveTimeout: number('keepAliveTimeout', 5000, 1),
    maxConnections: number('maxConnections', 32, 1),
  };
  if (settings.requestTimeout < settings.headersTimeout) {
    throw invalid(`serveAdmin's requestTimeout (${settings.requestTimeout}) must not be less than its headersTimeout (${settings.headersTimeout}).`);
  }
  if (options.tls !== undefined && (typeof options.tls !== 'object' || options.tls.key === undefined || options.tls.cert === undefined)) {
    throw invalid("serveAdmin's tls needs both key and cert (PEM).");
  }
  return settings;
}

/** Why `token` is too weak, or undefined when it is strong enough. */
export function weakToken(token: unknown): string | undefined {
  if (typeof token !== 'string') return `it must be a string, not ${typeof token}`;
  if (token.length < 16) return `it has ${token.length} characters, fewer than 16`;
  if (!/^[\x21-\x7e]+$/.test(token)) return 'it may hold only printable ASCII characters, without spaces';
  const distinct = new Set(token).size;
  if (distinct < 8) return `it has only ${distinct} different characters, fewer than 8`;
  const bits = token.length * Math.log2(distinct);
  if (bits < 64) return `it carries about ${Math.floor(bits)} bits (length × log2 of its ${distinct} different characters), fewer than 64`;
  return undefined;
}

/** `[::1]` for an IPv6 address, the name itself otherwise. */
export function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
