import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, ErrorCodes, HotswapError, isHotswapError } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { HostTypes } from '../plugin.js';
import type { ReloadDetails } from '../reload/details.js';
import type { Swapper } from '../swapper.js';

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

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves `POST /reload` (the reload's details as JSON, or its typed error;
 * `?rollback=1` or the body `{"rollback":true}` asks for an explicit
 * rollback) and `GET /status` (the status snapshot) for the swapper.
 * Nothing is served until this is called. Every request needs a `Host`
 * header naming this endpoint (against DNS rebinding) and
 * `Authorization: Bearer <token>`, compared in constant time. A request is
 * answered by a reload that starts after it arrived; requests that arrive
 * together share one. Throws `HOTSWAP_INVALID_OPTION` for a bad option and
 * `HOTSWAP_ADMIN_LISTEN_FAILED` when it cannot listen.
 */
export async function serveAdmin<T extends HostTypes>(swapper: Swapper<T>, options: AdminOptions): Promise<AdminServer> {
  const settings = checkOptions(options);
  const { host, port: wantedPort, bodyLimit, coalesceMs } = settings;
  const expected = digest(options.token);
  const logger = options.logger ?? consoleLogger();
  const scheme = options.tls === undefined ? 'http' : 'https';

  // One reload per rollback flag that has not started yet. Each request that joins it puts its start off
  // by coalesceMs (up to ten times that in all); a request that comes once it has started waits for the next.
  const pending = new Map<boolean, { joined: () => void; promise: Promise<ReloadDetails> }>();
  let last: Promise<unknown> = Promise.resolve();
  const reload = (rollback: boolean): Promise<ReloadDetails> => {
    const waiting = pending.get(rollback);
    if (waiting !== undefined) {
      waiting.joined();
      return waiting.promise;
    }
    const before = last;
    const firstAt = Date.now();
    let timer: NodeJS.Timeout | undefined;
    let quiet = (): void => {};
    const window = new Promise<void>((resolve) => {
      quiet = resolve;
      timer = setTimeout(resolve, coalesceMs);
    });
    const joined = (): void => {
      if (Date.now() - firstAt >= coalesceMs * 10) return;
      clearTimeout(timer);
      timer = setTimeout(quiet, coalesceMs);
    };
    const promise = Promise.all([window, before]).then(() => {
      // From here on it has started: later requests must not share it.
      pending.delete(rollback);
      return swapper.reload(undefined, rollback ? { rollback: true } : {});
    });
    pending.set(rollback, { joined, promise });
    last = promise.catch(() => undefined);
    return promise;
  };

  const serverOptions = {
    headersTimeout: settings.headersTimeout,
    requestTimeout: settings.requestTimeout,
    keepAliveTimeout: settings.keepAliveTimeout,
    // Timeouts are enforced on this tick: often enough for the shortest of them.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(settings.headersTimeout / 4))),
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: { message: describe(error) } }));
  };
  const server: Server =
    options.tls === undefined
      ? createHttpServer(serverOptions, listener)
      : createHttpsServer({ ...serverOptions, key: options.tls.key, cert: options.tls.cert }, listener);
  server.maxConnections = settings.maxConnections;

  let port = wantedPort;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const hostHeader = req.headers.host;
    if (!hostAllowed(hostHeader, { bound: host, port, scheme, extra: options.allowedHosts ?? [], local: req.socket.localAddress })) {
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

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wantedPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HotswapError(
      ErrorCodes.ADMIN_LISTEN_FAILED,
      `the admin endpoint cannot listen on ${bracket(host)}:${wantedPort}: ${code === 'EADDRINUSE' ? 'the port is in use' : describe(error)}. ` +
        'Choose another port (0 picks a free one) or an address of this machine.',
      { cause: error },
    );
  }
  // After listening, a server error (out of file descriptors, say) is reported, never thrown at the host.
  server.on('error', (error) => logger.error(`admin endpoint: ${describe(error)}`));
  port = (server.address() as AddressInfo).port;
  if (!LOOPBACK.has(host) && options.tls === undefined) {
    logger.warn(`the admin endpoint serves plain HTTP on ${bracket(host)}:${port}, beyond loopback: its token crosses the network in clear. Give serveAdmin tls: { key, cert }, or put TLS in front of it.`);
  }
  return {
    url: `${scheme}://${bracket(host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Settings {
  host: string;
  port: number;
  bodyLimit: number;
  coalesceMs: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxConnections: number;
}

function checkOptions(options: AdminOptions): Settings {
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
function weakToken(token: unknown): string | undefined {
  if (typeof token !== 'string') return `it must be a string, not ${typeof token}`;
  if (token.length < 16) return `it has ${token.length} characters, fewer than 16`;
  if (!/^[\x21-\x7e]+$/.test(token)) return 'it may hold only printable ASCII characters, without spaces';
  const distinct = new Set(token).size;
  if (distinct < 8) return `it has only ${distinct} different characters, fewer than 8`;
  const bits = token.length * Math.log2(distinct);
  if (bits < 64) return `it carries about ${Math.floor(bits)} bits (length × log2 of its ${distinct} different characters), fewer than 64`;
  return undefined;
}

/** Whether the `Host` header names this endpoint: a loopback name, the bound address, the local address, or an allowed name. */
function hostAllowed(header: string | undefined, endpoint: { bound: string; port: number; scheme: string; extra: readonly string[]; local: string | undefined }): boolean {
  if (header === undefined) return false;
  const given = header.trim().toLowerCase();
  const defaultPort = endpoint.scheme === 'https' ? 443 : 80;
  const names = ['localhost', '127.0.0.1', '[::1]', bracket(endpoint.bound)];
  if (endpoint.local !== undefined) names.push(bracket(endpoint.local.replace(/^::ffff:/, '')));
  const allowed = new Set<string>();
  for (const name of names) {
    allowed.add(`${name}:${endpoint.port}`.toLowerCase());
    if (endpoint.port === defaultPort) allowed.add(name.toLowerCase());
  }
  for (const name of endpoint.extra) {
    const lower = name.toLowerCase();
    allowed.add(/:\d+$/.test(lower) ? lower : `${lower}:${endpoint.port}`);
    if (endpoint.port === defaultPort) allowed.add(lower);
  }
  return allowed.has(given);
}

/** `[::1]` for an IPv6 address, the name itself otherwise. */
function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The rollback flag of a reload request, or why it is malformed. */
function rollbackOf(url: URL, body: Buffer): boolean | string {
  const query = url.searchParams.get('rollback');
  let rollback = false;
  if (query !== null) {
    if (!['1', 'true', '0', 'false', ''].includes(query)) return `rollback=${JSON.stringify(query)} is neither 1 nor 0`;
    rollback = query === '1' || query === 'true' || query === '';
  }
  const text = body.toString('utf8').trim();
  if (text === '') return rollback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'the request body must be empty or a JSON object such as {"rollback":true}';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'the request body must be a JSON object such as {"rollback":true}';
  const flag = (parsed as { rollback?: unknown }).rollback;
  if (flag !== undefined && typeof flag !== 'boolean') return `"rollback" must be true or false, not ${JSON.stringify(flag)}`;
  return rollback || flag === true;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so the comparison takes the same time whatever the token's length or content. The scheme is case-insensitive. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^bearer +(\S+) *$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/** Reads the body; undefined, and reading paused, once it is over `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.pause();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
