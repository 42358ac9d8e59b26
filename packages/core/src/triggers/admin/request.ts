import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bracket } from './options.js';

/** Whether the `Host` header names this endpoint: a loopback name, the bound address, the local address, or an allowed name. */
export function hostAllowed(header: string | undefined, endpoint: { bound: string; port: number; scheme: string; extra: readonly string[]; local: string | undefined }): boolean {
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

/** The rollback flag of a reload request, or why it is malformed. */
export function rollbackOf(url: URL, body: Buffer): boolean | string {
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

export function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares digests, so the comparison takes the same time whatever the token's length or content. The scheme is case-insensitive. */
export function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^bearer +(\S+) *$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/** Reads the body; undefined, and reading paused, once it is over `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  // A framework in front may have read the body already: there is nothing left to read.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
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

export function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
