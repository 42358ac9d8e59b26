import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, HotswapError, isHotswapError } from '../errors.js';
import type { HostTypes } from '../plugin.js';
import type { ReloadDetails } from '../reload/details.js';
import type { Swapper } from '../swapper.js';

/** How {@link serveAdmin} is set up. */
export interface AdminOptions {
  /** The bearer token every request must carry; at least 16 characters. */
  token: string;
  /** The address to listen on. Default `127.0.0.1`; anything but loopback needs `allowRemote`. */
  host?: string;
  /** The port; 0 (the default) picks a free one. */
  port?: number;
  /** Allow a host other than loopback. Off by default: reloading is an administrator's act. */
  allowRemote?: boolean;
  /** The largest request body accepted, in bytes. Default 16384. */
  bodyLimit?: number;
  /** Reload requests within this many ms of each other share one reload. Default 25. */
  coalesceMs?: number;
}

/** A running admin endpoint. */
export interface AdminServer {
  /** `http://host:port`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves `POST /reload` (the reload's details as JSON, or its typed error)
 * and `GET /status` (the status snapshot) for the swapper. Nothing is served
 * until this is called. Every request needs `Authorization: Bearer <token>`,
 * compared in constant time; reload requests that arrive together share one
 * reload.
 */
export async function serveAdmin<T extends HostTypes>(swapper: Swapper<T>, options: AdminOptions): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  if (typeof options.token !== 'string' || options.token.length < 16) {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, 'the admin endpoint needs a token of at least 16 characters (e.g. from `openssl rand -hex 24`).');
  }
  if (!LOOPBACK.has(host) && options.allowRemote !== true) {
    throw new HotswapError(
      ErrorCodes.INVALID_OPTION,
      `the admin endpoint would listen on ${host}, beyond loopback. Set allowRemote: true if that is meant, and put TLS in front of it.`,
    );
  }
  const expected = digest(options.token);
  const bodyLimit = options.bodyLimit ?? 16_384;
  const coalesceMs = options.coalesceMs ?? 25;
  let shared: Promise<ReloadDetails> | undefined;

  const reload = (): Promise<ReloadDetails> => {
    if (shared === undefined) {
      shared = new Promise<void>((r) => setTimeout(r, coalesceMs))
        .then(() => swapper.reload())
        .finally(() => (shared = undefined));
    }
    return shared;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { ok: false, error: { message: String(error) } }));
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!authorized(req.headers.authorization, expected)) {
      res.setHeader('www-authenticate', 'Bearer realm="hotswap"');
      return send(res, 401, { ok: false, error: { message: 'a valid bearer token is required' } });
    }
    if (!(await readBody(req, bodyLimit))) {
      return send(res, 413, { ok: false, error: { message: `the request body is over ${bodyLimit} bytes` } });
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const routes: Record<string, string> = { '/reload': 'POST', '/status': 'GET' };
    const method = routes[path];
    if (method === undefined) return send(res, 404, { ok: false, error: { message: `no ${path}; there are POST /reload and GET /status` } });
    if (req.method !== method) {
      res.setHeader('allow', method);
      return send(res, 405, { ok: false, error: { message: `${path} takes ${method}` } });
    }
    if (path === '/status') return send(res, 200, { ok: true, status: swapper.status() });
    try {
      return send(res, 200, { ok: true, details: await reload() });
    } catch (error) {
      const e = isHotswapError(error) ? error : undefined;
      return send(res, e === undefined ? 500 : 422, {
        ok: false,
        error: { code: e?.code, message: e?.message ?? String(error), plugin: e?.plugin, stage: e?.stage },
      });
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so the comparison takes the same time whatever the token's length or content. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/** Reads and drops the body; false when it is over `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<boolean> {
  return new Promise((resolve) => {
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !over) {
        over = true;
        resolve(false);
      }
    });
    req.on('end', () => resolve(!over));
    req.on('error', () => resolve(false));
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
