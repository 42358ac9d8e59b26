import { asFailure } from '../errors.js';
import type { MeterCounts } from '../canary/meter.js';
import type { CanaryDecider, CanarySplit } from '../canary/run.js';
import type { PluginDetail } from '../reload/details.js';
import type { ReleaseRef } from './types.js';

/** The tag every cluster message carries, so it never collides with the host's own IPC messages. */
export const CLUSTER_TAG = 'hotswap/cluster@1';

/** An error as it crosses the IPC channel: its code and message, and where it happened. */
export interface WireError {
  code: string;
  message: string;
  plugin?: string;
  stage?: string;
}

/** What a worker sends the coordinator. */
export type WorkerMessage =
  | { tag: typeof CLUSTER_TAG; type: 'hello' }
  | { tag: typeof CLUSTER_TAG; type: 'ready'; release: string; generation: number }
  | { tag: typeof CLUSTER_TAG; type: 'join-failed'; release: string; error: WireError }
  | { tag: typeof CLUSTER_TAG; type: 'vote'; txn: number; ok: true; generation: number; plugins: PluginDetail[] }
  | { tag: typeof CLUSTER_TAG; type: 'vote'; txn: number; ok: false; error: WireError }
  | { tag: typeof CLUSTER_TAG; type: 'committed'; txn: number; generation: number; at: number }
  | { tag: typeof CLUSTER_TAG; type: 'commit-failed'; txn: number; error: WireError }
  | { tag: typeof CLUSTER_TAG; type: 'aborted'; txn: number }
  /** The worker stops taking part (`participant.stop()`): no cluster reload waits for it any more. */
  | { tag: typeof CLUSTER_TAG; type: 'leave' }
  /** A cluster canary's counts in this worker since it started, sent every `reportMs`, and once more before its verdict. */
  | { tag: typeof CLUSTER_TAG; type: 'canary-counts'; txn: number; canary: MeterCounts; baseline: MeterCounts }
  /** This worker's canary is decided: on the coordinator's word, or by its own swapper's `close()`. */
  | { tag: typeof CLUSTER_TAG; type: 'canary-decided'; txn: number; state: 'promoted' | 'rolled-back'; generation: number; canary: MeterCounts; baseline: MeterCounts };

/** How a prepared cluster reload is to be committed as a canary: the split, and how often counts are reported. */
export interface WireCanary extends CanarySplit {
  /** Milliseconds between two `canary-counts` messages. */
  reportMs: number;
}

/** What the coordinator sends a worker. */
export type CoordinatorMessage =
  | { tag: typeof CLUSTER_TAG; type: 'welcome'; release: ReleaseRef }
  | { tag: typeof CLUSTER_TAG; type: 'no-release'; error: WireError }
  | { tag: typeof CLUSTER_TAG; type: 'prepare'; txn: number; release: ReleaseRef; rollback: boolean; timeoutMs: number; canary?: WireCanary }
  | { tag: typeof CLUSTER_TAG; type: 'commit'; txn: number }
  | { tag: typeof CLUSTER_TAG; type: 'abort'; txn: number }
  /** The cluster canary's verdict, judged on every worker's counts together: every worker promotes, or every worker rolls back. */
  | { tag: typeof CLUSTER_TAG; type: 'canary-decide'; txn: number; verdict: 'promote' | 'rollback'; decidedBy: CanaryDecider; reasons: string[] };

/** Any message of the cluster protocol. */
export type ClusterMessage = WorkerMessage | CoordinatorMessage;

/** Whether an IPC message is one of ours: an object with our tag and a type. */
export function isClusterMessage(value: unknown): value is ClusterMessage {
  return typeof value === 'object' && value !== null && 'tag' in value && value.tag === CLUSTER_TAG && 'type' in value && typeof value.type === 'string';
}

/** Any thrown value as it crosses the channel. */
export function wireError(error: unknown): WireError {
  const failure = asFailure(error);
  return {
    code: failure.code,
    message: failure.message,
    ...(failure.plugin === undefined ? {} : { plugin: failure.plugin }),
    ...(failure.stage === undefined ? {} : { stage: failure.stage }),
  };
}
