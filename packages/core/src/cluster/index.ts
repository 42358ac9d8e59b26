// One reload across the workers of a node:cluster: the primary's coordinator, the workers' participants.
export { Coordinator } from './coordinator.js';
export { createCoordinator } from './create.js';
export { joinCluster } from './participant.js';
export type { Participant } from './participant.js';
export { clusterPrimaryTransport, clusterWorkerTransport } from './transport.js';
export type { CoordinatorTransport, ParticipantTransport } from './transport.js';
export { CLUSTER_TAG } from './messages.js';
export type { ClusterMessage, CoordinatorMessage, WireCanary, WireError, WorkerMessage } from './messages.js';
export { reloadOnActivate } from './watch-release.js';
export type { ActivateWatchOptions } from './watch-release.js';
export type { ClusterReloadOptions, ClusterReloadResult, ClusterStatus, CoordinatorOptions, JoinOptions, ReleaseRef, WorkerOutcome, WorkerReport } from './types.js';
export type { ClusterCanary, ClusterCanaryOutcome, ClusterCanaryStatus, WorkerCanaryReport, WorkerCanaryState } from './canary.js';
export { COMMITTED_FILE, committedReleaseId } from './committed.js';
