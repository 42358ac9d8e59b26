// Drives a server's GET /quote?n=<k> with autocannon on loopback while the
// `quotes` plugin is reloaded again and again (each reload with a new build
// stamp, 10 ms apart), and counts what a user would notice: failed requests
// and responses that mix two versions.
import autocannon from 'autocannon';
import type { Swapper } from '@hotswap/core';
import type { Quotes, QuotesContract } from './quotes.js';

export interface LoadRun {
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses whose header, label and quote do not all name one build. */
  mixed: number;
  /** Distinct builds that answered. */
  builds: number;
  reloads: number;
  failedReloads: number;
}

/** Runs the load for `seconds` while reloading every `everyMs`; resolves once the last reload settled. */
export async function underReloads(url: string, swapper: Swapper<QuotesContract>, quotes: Quotes, seconds: number, everyMs = 10): Promise<LoadRun> {
  let mixed = 0;
  const builds = new Set<string>();
  let running = true;
  let reloads = 0;
  let failedReloads = 0;
  const reloading = (async () => {
    for (let n = 1; running; n++) {
      quotes.restamp(`load-${n}`);
      await swapper.reload().then(
        () => reloads++,
        () => failedReloads++,
      );
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const result = await autocannon({
    url: `${url}/quote?n=5`,
    connections: 10,
    duration: seconds,
    requests: [
      {
        onResponse: (_status, body, _context, headers) => {
          const header = String(headers?.['x-build'] ?? '');
          let parsed: { label?: unknown; quote?: unknown } = {};
          try {
            parsed = JSON.parse(body) as typeof parsed;
          } catch {
            // Counted as mixed below: a body that is not the route's answer.
          }
          builds.add(header);
          if (parsed.label !== header || parsed.quote !== `${header} 5`) mixed++;
        },
      },
    ],
  });
  running = false;
  await reloading;
  return { requests: result.requests.total, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, mixed, builds: builds.size, reloads, failedReloads };
}
