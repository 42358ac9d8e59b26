// Cluster reloads against the races a busy worker meets: a worker whose
// event loop was blocked past its prepared reload's time limit, a worker's
// own reload queued when a prepare arrives, a worker that stops taking part.
// A real coordinator and real swappers on a real release root, built with
// the real `hotswap build`; the workers' IPC is an in-process channel that
// delivers each message on a later turn, as node:cluster does, and can hold
// one back as a blocked worker would.
import { createRelease, type CreatedRelease } from '@hotswap/cli';
import {
  createCoordinator,
  ErrorCodes,
  joinCluster,
  Swapper,
  type CoordinatorTransport,
  type Participant,
  type ParticipantTransport,
} from '@hotswap/core';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejection } from '../helpers/errors.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

type ClusterCoordinator = ReturnType<typeof createCoordinator>;

type WorkerMessage = Parameters<ParticipantTransport['send']>[0];
type CoordinatorMessage = Parameters<CoordinatorTransport['send']>[1];
/** How long to hold back a message to a worker (0: deliver on the next turn). */
type Delay = (worker: number, message: CoordinatorMessage) => number;

/** The cluster's IPC, in process: the coordinator's side and one side per worker. */
function channel(delay: Delay = () => 0): { coordinator: CoordinatorTransport; worker(id: number): ParticipantTransport } {
  const toCoordinator = new Set<(worker: number, message: WorkerMessage) => void>();
  const toWorker = new Map<number, Set<(message: CoordinatorMessage) => void>>();
  const later = (ms: number, fn: () => void): void => void (ms > 0 ? setTimeout(fn, ms) : setImmediate(fn));
  return {
    coordinator: {
      send: (worker, message) => later(delay(worker, message), () => toWorker.get(worker)?.forEach((l) => l(message))),
      onMessage: (listener) => {
        toCoordinator.add(listener);
        return () => toCoordinator.delete(listener);
      },
      onExit: () => () => undefined,
    },
    worker: (id) => ({
      id,
      send: (message) => later(0, () => toCoordinator.forEach((l) => l(id, message))),
      onMessage: (listener) => {
        const listeners = toWorker.get(id) ?? new Set();
        toWorker.set(id, listeners);
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    }),
  };
}

interface Data {
  worker: number;
}
type Contract = { data: Data; plugins: { p: { functions: { tag(): string } } } };

let ws: Workspace;
let root: string;
const swappers: Swapper<Contract>[] = [];
const coordinators: ClusterCoordinator[] = [];

beforeEach(() => {
  ws = workspace();
  root = join(ws.root, 'deploy');
});
afterEach(async () => {
  for (const c of coordinators.splice(0)) c.close();
  await Promise.all(swappers.splice(0).map((s) => s.close().catch(() => undefined)));
  ws.cleanup();
});

/** A release of plugin `p` answering `label`; `extra` is spliced into its definition. */
async function release(label: string, extra = '', activate = true): Promise<CreatedRelease> {
  ws.plugin('p', {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ ${extra} functions: { tag: () => ${JSON.stringify(label)} } });`,
  });
  await ws.build();
  return createRelease({ root, from: ws.bin, activate });
}

async function cluster(workers: number, options: { delay?: Delay; deadlineMs?: number; commitTimeoutMs?: number } = {}): Promise<{
  coordinator: ClusterCoordinator;
  swappers: Swapper<Contract>[];
  participants: Participant[];
}> {
  const ipc = channel(options.delay);
  const coordinator = createCoordinator({
    releaseRoot: root,
    logger: false,
    transport: ipc.coordinator,
    deadlineMs: options.deadlineMs ?? 2000,
    commitTimeoutMs: options.commitTimeoutMs ?? 1000,
  });
  coordinators.push(coordinator);
  const made: Swapper<Contract>[] = [];
  const participants: Participant[] = [];
  for (let id = 1; id <= workers; id++) {
    const swapper = new Swapper<Contract>({ pluginDir: root, logger: false, freeDelay: 0 });
    swappers.push(swapper);
    made.push(swapper);
    participants.push(await joinCluster(swapper, { transport: ipc.worker(id) }, { worker: id }));
  }
  return { coordinator, swappers: made, participants };
}

const tag = (s: Swapper<Contract>): string => s.current.invoke('p', 'tag');

async function until(check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a cluster reload meets a busy worker', () => {
  it('a worker that hears the commit only after its prepared reload ran out of time catches up to the committed release', async () => {
    await release('A');
    // The commit to worker 2 arrives after its prepared reload aborted itself (timeout: deadline + commit timeout).
    const { coordinator, swappers: [one, two] } = await cluster(2, {
      deadlineMs: 300,
      commitTimeoutMs: 200,
      delay: (worker, message) => (worker === 2 && message.type === 'commit' ? 800 : 0),
    });
    const b = await release('B');
    const result = await coordinator.reload();
    expect(result.release).toBe(b.id);
    expect(result.workers.map((w: { worker: number; outcome: string }) => [w.worker, w.outcome])).toEqual([
      [1, 'committed'],
      [2, 'no-answer'],
    ]);
    expect(tag(one!)).toBe('B');
    await until(() => tag(two!) === 'B', 5000);
    expect(tag(two!)).toBe('B');
    expect(two!.status().release).toBe(b.id);
  });

  it('a reload of the worker\'s own, queued when a prepare arrives, reads the committed release, not the one the cluster then aborts', async () => {
    const a = await release('A');
    const { coordinator, swappers: [one, two] } = await cluster(2);
    // Release B cannot start on worker 2: the cluster reload to it aborts.
    await release('B', 'onInit(ctx) { if (ctx.data.worker === 2) throw new Error("B cannot start on worker 2"); },');
    // Worker 1: one reload of its own runs (its callback takes a while), a second waits behind it.
    const slow = one!.reload({ callback: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300)) });
    const queued = one!.reload();
    const error = await rejection(coordinator.reload());
    expect(error.code).toBe(ErrorCodes.CLUSTER_ABORTED);
    expect((await slow).release).toBe(a.id);
    expect((await queued).release).toBe(a.id);
    await one!.settled();
    expect([tag(one!), tag(two!)]).toEqual(['A', 'A']);
    expect([one!.status().release, two!.status().release]).toEqual([a.id, a.id]);
    expect(one!.pluginDir).toBe(two!.pluginDir);
  });

  it('a worker that stopped taking part is no longer waited for: the next cluster reload commits on the others at once', async () => {
    await release('A');
    const { coordinator, swappers: [one, two], participants } = await cluster(2, { deadlineMs: 5000 });
    participants[1]!.stop();
    await new Promise((r) => setImmediate(r));
    expect(coordinator.status().workers).toEqual([1]);
    const b = await release('B');
    const started = Date.now();
    const result = await coordinator.reload();
    // Not the phase-1 deadline (5 s) waited out for a vote that never comes.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.release).toBe(b.id);
    expect(result.workers.map((w: { worker: number; outcome: string }) => [w.worker, w.outcome])).toEqual([[1, 'committed']]);
    expect([tag(one!), tag(two!)]).toEqual(['B', 'A']);
  });
});
