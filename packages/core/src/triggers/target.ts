import type { ReloadDetails } from '../reload/details.js';

/**
 * What a trigger reloads: a swapper, or a cluster coordinator (whose result
 * extends {@link ReloadDetails}). `status()` is what the admin endpoint's
 * `GET /status` serves.
 */
export interface ReloadTarget {
  /** Starts a reload (`rollback` for an explicit rollback) and resolves with its details. */
  reload(options?: { rollback?: boolean }): Promise<ReloadDetails>;
  /** A reload with backpressure (a swapper's): at most one waits behind the running one. Without it, triggers call `reload()`. */
  requestReload?(request?: { rollback?: boolean }): Promise<ReloadDetails>;
  /** A snapshot of what it is doing and has done. */
  status(): object;
}
