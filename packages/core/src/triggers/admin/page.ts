import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/** The status page, one self-contained HTML file shipped in the package (`assets/`), and its headers. */
interface Page {
  body: Buffer;
  headers: Record<string, string>;
}

let page: Page | undefined;

/**
 * The status page: its inline script and style are the only ones the
 * browser may run (a content security policy with their hashes), it may
 * connect only to its own origin, and no other site may frame it.
 */
function load(): Page {
  if (page !== undefined) return page;
  const html = readFileSync(new URL('../../../assets/status-page.html', import.meta.url), 'utf8');
  const hashes = (tag: string): string =>
    [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`).join(' ');
  const policy = [
    "default-src 'none'",
    `script-src ${hashes('script')}`,
    `style-src ${hashes('style')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const body = Buffer.from(html);
  page = {
    body,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(body.length),
      'content-security-policy': policy,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
  };
  return page;
}

export function sendPage(res: ServerResponse): void {
  const { body, headers } = load();
  res.writeHead(200, headers);
  res.end(body);
}
