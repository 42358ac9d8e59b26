import cluster, { type Worker } from 'node:cluster';
import { ErrorCodes, HotswapError } from '../errors.js';
import { isClusterMessage, type CoordinatorMessage, type WorkerMessage } from './messages.js';

/**
 * How the coordinator reaches its workers. The default goes over
 * `node:cluster` IPC ({@link clusterPrimaryTransport}); another transport
 * (a socket, a message bus) implements these three methods.
 */
export interface CoordinatorTransport {
  /** Sends a message to one worker; a worker that is gone is ignored (its exit is reported by `onExit`). */
  send(worker: number, message: CoordinatorMessage): void;
  /** Calls `listener` with every cluster message from a worker; returns a function that stops listening. */
  onMessage(listener: (worker: number, message: WorkerMessage) => void): () => void;
  /** Calls `listener` when a worker exits or loses its channel; returns a function that stops listening. */
  onExit(listener: (worker: number) => void): () => void;
}

/** How a participant reaches the coordinator: the worker's side of a {@link CoordinatorTransport}. */
export interface ParticipantTransport {
  /** This worker's id, as the coordinator knows it. */
  readonly id: number;
  /** Sends a message to the coordinator. */
  send(message: WorkerMessage): void;
  /** Calls `listener` with every cluster message from the coordinator; returns a function that stops listening. */
  onMessage(listener: (message: CoordinatorMessage) => void): () => void;
}

/**
 * The coordinator's side over `node:cluster` IPC: messages go to
 * `cluster.workers[id]`, and only tagged messages are taken, so the host's
 * own `worker.send()` traffic passes untouched.
 */
export function clusterPrimaryTransport(): CoordinatorTransport {
  return {
    send(id, message) {
      const worker = cluster.workers?.[id];
      if (worker === undefined || !worker.isConnected()) return;
      // A channel that closes under the send reports through the callback, never as a throw or an 'error' event.
      worker.send(message, undefined, () => undefined);
    },
    onMessage(listener) {
      const handler = (worker: Worker, message: unknown): void => {
        if (isFromWorker(message)) listener(worker.id, message);
      };
      cluster.on('message', handler);
      return () => cluster.off('message', handler);
    },
    onExit(listener) {
      const handler = (worker: Worker): void => listener(worker.id);
      cluster.on('exit', handler);
      cluster.on('disconnect', handler);
      return () => {
        cluster.off('exit', handler);
        cluster.off('disconnect', handler);
      };
    },
  };
}

/** The worker's side over `node:cluster` IPC (`process.send` and `process.on('message')`). */
export function clusterWorkerTransport(): ParticipantTransport {
  const worker = cluster.worker;
  const send = process.send?.bind(process);
  if (worker === undefined || send === undefined) {
    throw new HotswapError(ErrorCodes.CLUSTER_ROLE, 'joinCluster runs in a node:cluster worker, and this process is not one. Fork it with cluster.fork() from a primary that runs createCoordinator(), or pass a transport.');
  }
  return {
    id: worker.id,
    send(message) {
      send(message, undefined, undefined, () => undefined);
    },
    onMessage(listener) {
      const handler = (message: unknown): void => {
        if (isFromCoordinator(message)) listener(message);
      };
      process.on('message', handler);
      return () => process.off('message', handler);
    },
  };
}

const WORKER_TYPES = new Set(['hello', 'ready', 'join-failed', 'vote', 'committed', 'commit-failed', 'aborted', 'leave', 'canary-counts', 'canary-decided']);

function isFromWorker(message: unknown): message is WorkerMessage {
  return isClusterMessage(message) && WORKER_TYPES.has(message.type);
}

function isFromCoordinator(message: unknown): message is CoordinatorMessage {
  return isClusterMessage(message) && !WORKER_TYPES.has(message.type);
}
