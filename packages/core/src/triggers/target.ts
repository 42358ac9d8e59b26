import type { ReloadDetails } from '../reload/details.js';

/**
 * What a trigger reloads: a swapper, or a cluster coordinator (whose result
 * extends {@link ReloadDetails}). `status()` is what the admin endpoint's
 * `GET /status` serves.
 */
export interface ReloadTarget {
  reload(options?: { rollback?: boolean }): Promise<ReloadDetails>;
  status(): object;
}
