import type { CanaryOptions, CanaryStatus } from '../canary/run.js';
import type { ClusterCanaryStatus } from '../cluster/canary.js';
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

/** A canary running in what a {@link CanaryTarget} serves: a swapper's `Canary` or a coordinator's `ClusterCanary`. */
export interface RunningCanary {
  /** The canary's generation (a cluster canary: the cluster reload's number). */
  readonly generation: number;
  /** Its counts and the verdict as it forms. */
  status(): CanaryStatus | ClusterCanaryStatus;
  /** Promotes it; resolves (or returns) the reload's details. */
  promote(): ReloadDetails | Promise<ReloadDetails>;
  /** Rolls it back: what served before serves everything again. */
  rollback(reason?: string): void;
}

/**
 * What the admin endpoint's canary routes drive: a swapper, or a cluster
 * coordinator (whose canary runs in every worker, judged on their counts
 * together).
 */
export interface CanaryTarget {
  /** Starts a canary reload and resolves once it serves. */
  canary(options: CanaryOptions & { rollback?: boolean }): Promise<RunningCanary>;
  /** The canary running now, if any. */
  readonly activeCanary: RunningCanary | undefined;
}

/** Whether a trigger's target also runs canaries. @internal */
export function isCanaryTarget(target: object): target is CanaryTarget {
  return 'canary' in target && typeof target.canary === 'function' && 'activeCanary' in target;
}
