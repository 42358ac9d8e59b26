import { UsageError, CliError } from '../errors.js';

/** The address of `route` (`/reload`, `/status`) under an admin endpoint's base URL, which may carry a prefix (`http://127.0.0.1:8080/hotswap`). */
export function adminUrl(base: string, route: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(base)} is not a URL; give the admin endpoint's address, such as http://127.0.0.1:7070.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url ${JSON.stringify(base)} is not an http:// or https:// address.`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${route}`;
  url.search = '';
  url.hash = '';
  return url;
}

/** `--token`, or `$HOTSWAP_ADMIN_TOKEN`. */
export function tokenOf(flags: { token?: string }): string {
  const token = flags.token ?? process.env['HOTSWAP_ADMIN_TOKEN'];
  if (token === undefined || token === '') throw new UsageError('the admin endpoint needs --token or $HOTSWAP_ADMIN_TOKEN.');
  return token;
}

/** What the admin endpoint answers: `ok` and the route's fields `F`, or the error. */
export interface AdminAnswer<F extends object = object> {
  status: number;
  statusText: string;
  body: { ok?: boolean; error?: { code?: string; message?: string } } & Partial<F>;
}

/** Calls the admin endpoint, whose routes answer JSON with the fields `F`; a CliError when it cannot be reached. */
export async function callAdmin<F extends object>(url: URL, token: string, init: RequestInit = {}): Promise<AdminAnswer<F>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  } catch (error) {
    throw new CliError(`cannot reach ${url.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error)}`);
  }
  // The endpoint's own JSON; a proxy's error page parses as nothing.
  const body = (await response.json().catch(() => ({}))) as AdminAnswer<F>['body'];
  return { status: response.status, statusText: response.statusText, body };
}

/** The CliError for an answer that is not `ok`. */
export function refused(answer: AdminAnswer): CliError {
  return new CliError(`the host answered ${answer.status}: ${answer.body.error?.message ?? answer.statusText}`, answer.body.error?.code);
}
