// The cluster API's types: what a coordinator and a participant take and
// give, compiled by the typecheck (vitest does not run it).
import {
  createCoordinator,
  joinCluster,
  reloadOnSignal,
  serveAdmin,
  Swapper,
  type ClusterReloadResult,
  type ClusterStatus,
  type Coordinator,
  type CoordinatorTransport,
  type HotswapError,
  type Participant,
  type ReleaseRef,
  type ReloadDetails,
  type WorkerOutcome,
} from '@hotswap/core';
import { describe, expectTypeOf, it } from 'vitest';

interface WithData {
  data: { startedAt: string };
  plugins: { web: { functions: { page(): string } } };
}
interface WithoutData {
  plugins: { web: { functions: { page(): string } } };
}

describe('cluster types', () => {
  it('a coordinator reloads to a result that is also a reload\'s details, and is a trigger target', async () => {
    const coordinator = createCoordinator({ releaseRoot: 'release', deadlineMs: 1000 });
    expectTypeOf(coordinator).toEqualTypeOf<Coordinator>();
    expectTypeOf(coordinator.reload()).toEqualTypeOf<Promise<ClusterReloadResult>>();
    expectTypeOf<ClusterReloadResult>().toMatchTypeOf<ReloadDetails>();
    const result = await coordinator.reload({ rollback: true });
    expectTypeOf(result.release).toEqualTypeOf<string>();
    expectTypeOf(result.releaseDir).toEqualTypeOf<string>();
    expectTypeOf(result.workers[0]!.outcome).toEqualTypeOf<WorkerOutcome>();
    expectTypeOf(result.skewMs).toBeNumber();
    expectTypeOf(coordinator.status()).toEqualTypeOf<ClusterStatus>();
    expectTypeOf(coordinator.committed).toEqualTypeOf<ReleaseRef | undefined>();
    reloadOnSignal(coordinator);
    await serveAdmin(coordinator, { token: 'a-token-of-sixteen-characters' });
    // @ts-expect-error the release root is required
    createCoordinator({});
    // @ts-expect-error a reload takes a rollback flag only
    void coordinator.reload({ data: 1 });
  });

  it('joinCluster takes the load arguments the contract asks for', async () => {
    const withData = new Swapper<WithData>({ pluginDir: 'release/current' });
    expectTypeOf(joinCluster(withData, {}, { startedAt: 'now' })).toEqualTypeOf<Promise<Participant>>();
    // @ts-expect-error the contract's data is required
    void joinCluster(withData, {});
    // @ts-expect-error and typed
    void joinCluster(withData, {}, { startedAt: 1 });
    const without = new Swapper<WithoutData>({ pluginDir: 'release/current' });
    const participant = await joinCluster(without, { timeoutMs: 5000 });
    expectTypeOf(participant.release).toEqualTypeOf<ReleaseRef>();
  });

  it('a transport is three functions', () => {
    const transport: CoordinatorTransport = {
      send: (worker, message) => void [worker, message.type],
      onMessage: () => () => undefined,
      onExit: () => () => undefined,
    };
    expectTypeOf(createCoordinator({ releaseRoot: 'r', transport })).toEqualTypeOf<Coordinator>();
    expectTypeOf<HotswapError<'HOTSWAP_CLUSTER_ABORTED'>['details']['reason']>().toEqualTypeOf<'refused' | 'died' | 'no-answer' | 'unrecorded'>();
  });
});
