import { ErrorCodes, HotswapError, isHotswapError } from '../errors.js';
import type { HostTypes } from '../plugin.js';
import type { LoadArgs, PreparedReload, Swapper } from '../swapper.js';
import type { CanaryRun } from '../canary/run.js';
import type { PreparedCanary } from '../swapper/canary-start.js';
import { CLUSTER_TAG, wireError, type CoordinatorMessage, type WireCanary } from './messages.js';
import { clusterWorkerTransport } from './transport.js';
import type { JoinOptions, ReleaseRef } from './types.js';

/** A worker's part in cluster reloads, joined to its swapper: {@link joinCluster}. */
export interface Participant {
  /** The release this worker serves. */
  readonly release: ReleaseRef;
  /**
   * Stops taking part: the coordinator is told, so no cluster reload waits
   * for this worker any more (one under way when it stops counts it gone),
   * and cluster reloads no longer reach its swapper.
   */
  stop(): void;
}

/** One transaction as this worker sees it. */
interface Entry {
  release: ReleaseRef;
  /** Whether the coordinator asked for a rollback (an older release). */
  rollback: boolean;
  prepared?: PreparedReload;
  /** A cluster canary: how it splits, and how often its counts are reported. */
  canary?: WireCanary;
  /** The canary held at the swap, when it is one. */
  held?: PreparedCanary<HostTypes>;
  refused?: boolean;
  abortAsked?: boolean;
}

/**
 * Joins this worker's swapper to the cluster and loads it: asks the
 * coordinator which release is committed, points the swapper at exactly
 * that release's directory and runs `swapper.load(...loadArgs)`. From then
 * on every cluster reload prepares, commits or aborts in this swapper.
 * Rejects with `HOTSWAP_CLUSTER_UNREACHABLE` when no coordinator answers
 * within `timeoutMs`, `HOTSWAP_CLUSTER_ROLE` outside a cluster worker, and
 * with the load's own error when the release cannot be loaded.
 */
export async function joinCluster<T extends HostTypes>(swapper: Swapper<T>, options: JoinOptions, ...loadArgs: LoadArgs<T>): Promise<Participant> {
  const transport = options.transport ?? clusterWorkerTransport();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const entries = new Map<number, Entry>();
  /** Cluster canaries serving here, until the coordinator's verdict. */
  const canaries = new Map<number, CanaryRun<HostTypes>>();
  let release: ReleaseRef | undefined;
  /**
   * The directory of the release this worker last committed (or joined on):
   * where a reload given up points the swapper back. Never a directory only a
   * prepare set, since that one may be aborted too.
   */
  let committedDir = '';
  /** The transaction whose prepare pointed the swapper's directory last; an older one's end leaves the directory alone. */
  let pointing: Entry | undefined;
  let welcome: ((message: CoordinatorMessage) => void) | undefined;

  const send = transport.send.bind(transport);
  const restore = (entry: Entry): void => {
    if (pointing !== entry) return;
    pointing = undefined;
    // Unless the host itself pointed it elsewhere meanwhile.
    if (swapper.pluginDir === entry.release.dir) swapper.resetPluginDir(committedDir);
  };
  // A committed transaction no longer points anywhere: nor may it keep its prepared reload, and with it the
  // generation it made, alive once that generation is retired.
  const ended = (entry: Entry): void => {
    if (pointing === entry) pointing = undefined;
  };
  const abort = async (txn: number, entry: Entry): Promise<void> => {
    // Before the abort frees the swapper's queue: a reload queued behind it reads the committed directory.
    restore(entry);
    if (entry.prepared !== undefined) await entry.prepared.abort();
    entries.delete(txn);
    send({ tag: CLUSTER_TAG, type: 'aborted', txn });
  };
  const hold = (entry: Entry, rollback: boolean, timeout: number): Promise<PreparedReload> => {
    const canary = entry.canary;
    // The swapper reads the release from when this reload starts: a local reload queued before it reads the committed one.
    // One aborted while it waited its turn never starts.
    const wanted = (): boolean => entry.abortAsked !== true;
    if (canary === undefined) return swapper.prepareFrom(entry.release.dir, { timeoutMs: timeout, rollback }, wanted);
    return swapper.prepareCanary({ timeoutMs: timeout, rollback, weight: canary.weight, by: canary.by ?? 'random' }, entry.release.dir, wanted).then((held) => {
      entry.held = held;
      return held.prepared;
    });
  };
  /** Reports a committed canary's counts every `reportMs` until it is decided, then its outcome. */
  const watch = (txn: number, entry: Entry, run: CanaryRun<HostTypes>, reportMs: number): void => {
    canaries.set(txn, run);
    const report = (): void => send({ tag: CLUSTER_TAG, type: 'canary-counts', txn, ...run.counts() });
    const timer = setInterval(report, reportMs);
    timer.unref();
    void run.settled.then((outcome) => {
      clearInterval(timer);
      canaries.delete(txn);
      if (outcome.state === 'promoted') {
        release = entry.release;
        committedDir = entry.release.dir;
        ended(entry);
      } else restore(entry);
      const generation = outcome.state === 'promoted' ? run.generation : run.baseline;
      send({ tag: CLUSTER_TAG, type: 'canary-decided', txn, state: outcome.state, generation, ...run.counts() });
    });
  };
  const prepare = (txn: number, entry: Entry, rollback: boolean, timeout: number): void => {
    pointing = entry;
    hold(entry, rollback, timeout).then(
      (prepared) => {
        entry.prepared = prepared;
        if (entry.abortAsked === true) return abort(txn, entry);
        void prepared.settled.then((state) => {
          if (state === 'aborted') restore(entry);
        });
        send({ tag: CLUSTER_TAG, type: 'vote', txn, ok: true, generation: prepared.generation, plugins: [...prepared.plugins] });
        return undefined;
      },
      (error: unknown) => {
        entry.refused = true;
        restore(entry);
        send({ tag: CLUSTER_TAG, type: 'vote', txn, ok: false, error: wireError(error) });
        if (entry.abortAsked === true) return abort(txn, entry);
        return undefined;
      },
    ).catch(() => undefined);
  };
  const commit = (txn: number, entry: Entry): void => {
    const prepared = entry.prepared;
    if (prepared === undefined) return;
    entries.delete(txn);
    try {
      const details = prepared.commit();
      const at = performance.timeOrigin + performance.now();
      const run = entry.held?.run();
      // A canary serves beside the release before: this worker serves the new one only once it is promoted.
      if (run === undefined || entry.canary === undefined) {
        release = entry.release;
        committedDir = entry.release.dir;
        ended(entry);
      }
      send({ tag: CLUSTER_TAG, type: 'committed', txn, generation: details.generation, at });
      if (run !== undefined && entry.canary !== undefined) watch(txn, entry, run, entry.canary.reportMs);
    } catch (error) {
      // A commit that failed on its own (a handoff threw) is reported as such; only a prepared reload that had
      // already ended (aborted itself when its time ran out) is caught up with.
      if (entry.canary !== undefined || !isHotswapError(error, ErrorCodes.RELOAD_ABORTED)) {
        restore(entry);
        send({ tag: CLUSTER_TAG, type: 'commit-failed', txn, error: wireError(error) });
        return;
      }
      // The cluster has committed this release: a worker whose prepared reload ended before the commit reached
      // it (its time ran out while its event loop was blocked) catches up with a reload of its own, so that it
      // serves the release every other worker serves.
      void catchUp(txn, entry, error);
    }
  };
  const catchUp = async (txn: number, entry: Entry, cause: unknown): Promise<void> => {
    try {
      const details = await swapper.prepareFrom(entry.release.dir, { rollback: entry.rollback }).then((prepared) => prepared.commit());
      release = entry.release;
      committedDir = entry.release.dir;
      ended(entry);
      send({ tag: CLUSTER_TAG, type: 'committed', txn, generation: details.generation, at: performance.timeOrigin + performance.now() });
    } catch (error) {
      if (swapper.pluginDir === entry.release.dir) swapper.resetPluginDir(committedDir);
      send({ tag: CLUSTER_TAG, type: 'commit-failed', txn, error: wireError(isHotswapError(error) ? error : cause) });
    }
  };
  const stop = transport.onMessage((message) => {
    if (message.type === 'welcome' || message.type === 'no-release') {
      welcome?.(message);
      return;
    }
    if (release === undefined) return;
    if (message.type === 'canary-decide') {
      canaries.get(message.txn)?.decide(message.verdict, message.decidedBy, message.reasons);
      return;
    }
    if (message.type === 'prepare') {
      const entry: Entry = { release: message.release, rollback: message.rollback, ...(message.canary === undefined ? {} : { canary: message.canary }) };
      entries.set(message.txn, entry);
      prepare(message.txn, entry, message.rollback, message.timeoutMs);
      return;
    }
    const entry = entries.get(message.txn);
    if (entry === undefined) return;
    if (message.type === 'commit') commit(message.txn, entry);
    else if (entry.prepared !== undefined || entry.refused === true) void abort(message.txn, entry);
    else entry.abortAsked = true;
  });

  let joined: ReleaseRef;
  try {
    joined = await new Promise<ReleaseRef>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new HotswapError(ErrorCodes.CLUSTER_UNREACHABLE, `no cluster coordinator answered within ${timeoutMs} ms. Run createCoordinator() in the primary before it forks the workers.`));
      }, timeoutMs);
      welcome = (message) => {
        clearTimeout(timer);
        if (message.type === 'welcome') resolve(message.release);
        else if (message.type === 'no-release') reject(new HotswapError(ErrorCodes.RELEASE_UNRESOLVED, message.error.message));
      };
      send({ tag: CLUSTER_TAG, type: 'hello' });
    });
  } catch (error) {
    stop();
    throw error;
  } finally {
    welcome = undefined;
  }
  committedDir = joined.dir;
  swapper.resetPluginDir(joined.dir);
  try {
    const details = await swapper.load(...loadArgs);
    release = joined;
    send({ tag: CLUSTER_TAG, type: 'ready', release: joined.id, generation: details.generation });
  } catch (error) {
    stop();
    send({ tag: CLUSTER_TAG, type: 'join-failed', release: joined.id, error: wireError(error) });
    throw error;
  }
  let stopped = false;
  return {
    get release() {
      return release ?? joined;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      // Told first, so that the coordinator's next reload does not wait for this worker to vote.
      send({ tag: CLUSTER_TAG, type: 'leave' });
      stop();
    },
  };
}
