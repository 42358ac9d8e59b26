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

/** How long a call of the admin endpoint may take, answer included, unless `--timeout` says otherwise: longer than any reload should. */
export const ADMIN_TIMEOUT_MS = 120_000;

/** `--timeout <ms>`: a whole number of milliseconds above 0, or {@link ADMIN_TIMEOUT_MS}. */
export function timeoutOf(flags: { timeout?: string }): number {
  if (flags.timeout === undefined) return ADMIN_TIMEOUT_MS;
  const ms = Number(flags.timeout);
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new UsageError(`--timeout ${JSON.stringify(flags.timeout)}: give milliseconds, a whole number above 0, such as 30000.`);
  return ms;
}

/**
 * Calls the admin endpoint, whose routes answer JSON with the fields `F`; a
 * CliError when it cannot be reached, or has not answered in full within
 * `timeoutMs` (an address that accepts connections and never answers is
 * given up on, not waited for).
 */
export async function callAdmin<F extends object>(url: URL, token: string, init: RequestInit = {}, timeoutMs = ADMIN_TIMEOUT_MS): Promise<AdminAnswer<F>> {
  const signal = AbortSignal.timeout(timeoutMs);
  const late = (): CliError =>
    new CliError(`${url.origin} did not answer within ${timeoutMs} ms. Check that --url names the host's admin endpoint, or give a longer --timeout.`);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  } catch (error) {
    if (signal.aborted) throw late();
    throw new CliError(`cannot reach ${url.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error)}`);
  }
  // The endpoint's own JSON; a proxy's error page parses as nothing.
  const body = (await response.json().catch(() => ({}))) as AdminAnswer<F>['body'];
  if (signal.aborted) throw late();
  return { status: response.status, statusText: response.statusText, body };
}

/** The CliError for an answer that is not `ok`. */
export function refused(answer: AdminAnswer): CliError {
  // A success that is not the endpoint's JSON: --url names some other server.
  if (answer.status >= 200 && answer.status < 300 && answer.body.ok === undefined) {
    return new CliError(`the address answered ${answer.status}, but not as a hotswap admin endpoint does: check that --url names the host's admin endpoint (serveAdmin's url, or where createAdminHandler is mounted).`);
  }
  return new CliError(`the host answered ${answer.status}: ${answer.body.error?.message ?? answer.statusText}`, answer.body.error?.code);
}
