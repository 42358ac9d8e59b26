import type { CanaryOptions } from '../canary/run.js';
import type { Logger } from '../logger.js';
import type { ClusterCanaryOutcome, ClusterCanaryStatus } from './canary.js';
import type { PluginDetail, ReloadDetails } from '../reload/details.js';
import type { WireError } from './messages.js';
import type { ResolvedRelease } from '../release/resolve.js';
import type { CoordinatorTransport, ParticipantTransport } from './transport.js';

/** One release, as a cluster reload names it: its id and its own directory (never the `current` link), as {@link ResolvedRelease} has them. */
export type ReleaseRef = Readonly<Pick<ResolvedRelease, 'id' | 'dir'>>;

/** How a {@link Coordinator} is set up. Only `releaseRoot` is required. */
export interface CoordinatorOptions {
  /** The release root: `releases/<id>/` directories and the `current` link to one of them. */
  releaseRoot: string;
  /** Phase 1's deadline: milliseconds every worker has to prepare and vote. Default 10000. */
  deadlineMs?: number;
  /** Phase 2's: milliseconds to wait for each worker to report its swap (or its abort). Default 5000. */
  commitTimeoutMs?: number;
  /** Longest a starting worker may take to load the committed release before reloads stop waiting for it. Default 30000. */
  joinTimeoutMs?: number;
  /** How the workers are reached. Default: `node:cluster` IPC. */
  transport?: CoordinatorTransport;
  /** Where the coordinator logs; `false` for nowhere. Defaults to stderr, info and above. */
  logger?: Logger | false;
}

/** What `coordinator.reload()` takes. */
export interface ClusterReloadOptions {
  /** An explicit rollback, passed to every worker's reload. */
  rollback?: boolean;
  /**
   * Commit as a canary in every worker, with the options of a single
   * swapper's `canary()`: it serves a share of each worker's work beside the
   * release before, the coordinator judges every worker's counts together by
   * `rules`, and every worker promotes it or rolls it back. The reload
   * resolves once it is promoted, and rejects with
   * `HOTSWAP_CANARY_ROLLED_BACK` once it is rolled back.
   */
  canary?: CanaryOptions;
}

/** How a worker joins: {@link joinCluster}'s options. */
export interface JoinOptions {
  /** How the coordinator is reached. Default: `node:cluster` IPC. */
  transport?: ParticipantTransport;
  /** Milliseconds to wait for the coordinator to name the committed release. Default 30000. */
  timeoutMs?: number;
}

/** What became of one worker in a cluster reload. */
export type WorkerOutcome =
  /** It swapped the release in. */
  | 'committed'
  /** It had prepared (or was still preparing) and gave the reload up with the others: it serves the release it served before. */
  | 'aborted'
  /** It could not prepare the release: `error` says why. */
  | 'refused'
  /** It did not vote within the deadline, or did not report its swap in time. */
  | 'no-answer'
  /** It exited, or lost its channel, during the reload. */
  | 'died'
  /** Its commit failed (a state handoff threw): it still serves the release before. */
  | 'commit-failed';

/** One worker's line in a cluster reload's result. */
export interface WorkerReport {
  /** The worker's id (`cluster.worker.id`). */
  worker: number;
  outcome: WorkerOutcome;
  /** The generation it serves after a commit. */
  generation?: number;
  /** What its reload did per plugin, from its vote. */
  plugins?: PluginDetail[];
  /** When it swapped, in milliseconds since the epoch (`performance.timeOrigin + performance.now()` in the worker). */
  swappedAt?: number;
  /** Why it refused, or why its commit failed. */
  error?: WireError;
}

/**
 * A committed cluster reload. It extends the swapper's {@link ReloadDetails}
 * (so every trigger reports it as it reports a reload): `generation` is the
 * transaction's number and `plugins` the first worker's plugin lines.
 */
export interface ClusterReloadResult extends ReloadDetails {
  /** The id of the release every worker now serves. */
  release: string;
  /** That release's own directory (the `current` link resolved). */
  releaseDir: string;
  /** Each worker that took part, by id. */
  workers: WorkerReport[];
  /** Milliseconds between the first and the last worker's swap (for a canary: its start). */
  skewMs: number;
  /** A canary reload's outcome: every worker's counts and the verdict that promoted it. */
  canary?: ClusterCanaryOutcome;
}

/** What the coordinator knows: `coordinator.status()`. */
export interface ClusterStatus {
  /** The release workers load, and the last cluster reload committed; undefined before any worker joined. */
  committed: ReleaseRef | undefined;
  /** The workers that serve the committed release and take part in reloads. */
  workers: number[];
  /** Cluster reloads committed so far. */
  reloadCount: number;
  /** Whether a cluster reload is under way (a cluster canary until it is decided). */
  reloading: boolean;
  /** The cluster canary running now: the combined counts, each worker's, and the verdict as it forms. */
  canary?: ClusterCanaryStatus;
  /** The last cluster reload: its result, or its error's code and message. */
  lastReload?: { ok: true; at: number; result: ClusterReloadResult } | { ok: false; at: number; code: string; message: string };
}
