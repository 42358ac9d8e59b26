import { ErrorCodes, HotswapError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/** How {@link serveAdmin} is set up. */
export interface AdminOptions {
  /**
   * The bearer token every request must carry: at least 16 printable ASCII
   * characters without spaces, at least 8 of them different, and at least 64
   * bits by the estimate length × log2(distinct characters). `openssl rand
   * -hex 24` makes one.
   */
  token: string;
  /** The address to listen on. Default `127.0.0.1`; anything but loopback needs `allowRemote`. */
  host?: string;
  /** The port, an integer from 0 to 65535; 0 (the default) picks a free one. */
  port?: number;
  /** Allow a host other than loopback. Off by default: reloading is an administrator's act. */
  allowRemote?: boolean;
  /** Serve HTTPS with this key and certificate (PEM), as `node:https` takes them. Meant for `allowRemote`. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * More names a request's `Host` header may give (such as
   * `admin.example.com`), with or without a port. Always accepted:
   * `localhost`, `127.0.0.1`, `[::1]`, the bound address and the address the
   * request arrived on, with the bound port.
   */
  allowedHosts?: readonly string[];
  /** The largest request body accepted, in bytes; a request over it gets 413 and its connection is closed. Default 16384. */
  bodyLimit?: number;
  /**
   * Reload requests within this many ms of each other share one reload that
   * has not started yet (for at most ten times this in all). Default 25.
   */
  coalesceMs?: number;
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

/** The options with their defaults, checked. */
export interface Settings {
  host: string;
  port: number;
  bodyLimit: number;
  coalesceMs: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxConnections: number;
}

export function checkOptions(options: AdminOptions): Settings {
  const invalid = (message: string): HotswapError => new HotswapError(ErrorCodes.INVALID_OPTION, message);
  const tokenProblem = weakToken(options.token);
  if (tokenProblem !== undefined) {
    throw invalid(`the admin endpoint's token is too weak: ${tokenProblem}. Use a random one, e.g. from \`openssl rand -hex 24\`.`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw invalid(`serveAdmin's host must be an address, not ${JSON.stringify(host)}.`);
  if (!LOOPBACK.has(host) && options.allowRemote !== true) {
    throw invalid(`the admin endpoint would listen on ${host}, beyond loopback. Set allowRemote: true if that is meant, and give it tls: { key, cert }.`);
  }
  const integer = (name: keyof AdminOptions, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = options[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(`serveAdmin's ${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}.`);
    }
    return value;
  };
  const settings: Settings = {
    host,
    port: integer('port', 0, 0, 65_535),
    bodyLimit: integer('bodyLimit', 16_384, 0),
    coalesceMs: integer('coalesceMs', 25, 0),
    headersTimeout: integer('headersTimeout', 5000, 1),
    requestTimeout: integer('requestTimeout', 10_000, 1),
    keepAliveTimeout: integer('keepAliveTimeout', 5000, 1),
    maxConnections: integer('maxConnections', 32, 1),
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
