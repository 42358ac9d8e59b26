// The cluster canary's types: the same canary options a swapper takes, the
// coordinator's judge, and what the result and the rollback's error carry;
// compiled by the typecheck (vitest does not run it).
import {
  createCoordinator,
  Swapper,
  type CanaryDecider,
  type CanaryOptions,
  type CanaryState,
  type CanaryVerdict,
  type ClusterCanary,
  type ClusterCanaryOutcome,
  type ClusterCanaryStatus,
  type ClusterReloadOptions,
  type ClusterReloadResult,
  type HotswapError,
  type MeterSnapshot,
  type WorkerCanaryReport,
  type WorkerCanaryState,
} from '@hotswap/core';
import { describe, expectTypeOf, it } from 'vitest';

describe('cluster canary types', () => {
  it('a cluster reload takes exactly the canary options of a swapper', async () => {
    expectTypeOf<NonNullable<ClusterReloadOptions['canary']>>().toEqualTypeOf<CanaryOptions>();
    expectTypeOf<Parameters<Swapper['canary']>[0]>().toMatchTypeOf<CanaryOptions>();
    const coordinator = createCoordinator({ releaseRoot: 'release' });
    const result = await coordinator.reload({ canary: { weight: 0.1, by: 'key', rules: { minCalls: 500, maxErrorRateIncrease: 0.005, auto: false } } });
    expectTypeOf(result).toEqualTypeOf<ClusterReloadResult>();
    expectTypeOf(result.canary).toEqualTypeOf<ClusterCanaryOutcome | undefined>();
    // @ts-expect-error the weight is required
    void coordinator.reload({ canary: { by: 'key' } });
    // @ts-expect-error a split is random or by key
    void coordinator.reload({ canary: { weight: 0.1, by: 'user' } });
    // @ts-expect-error rules are the canary's rules
    void coordinator.reload({ canary: { weight: 0.1, rules: { minCalls: '5' } } });
  });

  it('the coordinator\'s canary is decided by hand, and shows every worker\'s counts', () => {
    const coordinator = createCoordinator({ releaseRoot: 'release' });
    const running = coordinator.activeCanary;
    expectTypeOf(running).toEqualTypeOf<ClusterCanary | undefined>();
    if (running === undefined) return;
    expectTypeOf(running.promote()).toEqualTypeOf<Promise<ClusterReloadResult>>();
    expectTypeOf(running.generation).toBeNumber();
    expectTypeOf<Parameters<ClusterCanary['rollback']>>().toEqualTypeOf<[reason?: string]>();
    expectTypeOf(running.state).toEqualTypeOf<CanaryState>();
    expectTypeOf(running.settled).toEqualTypeOf<Promise<ClusterCanaryOutcome>>();
    const status = running.status();
    expectTypeOf(status).toEqualTypeOf<ClusterCanaryStatus>();
    expectTypeOf(status.counts.canary).toEqualTypeOf<MeterSnapshot>();
    expectTypeOf(status.workers).toEqualTypeOf<WorkerCanaryReport[]>();
    expectTypeOf(status.workers[0]!.state).toEqualTypeOf<WorkerCanaryState>();
    expectTypeOf(status.verdict).toEqualTypeOf<CanaryVerdict>();
    expectTypeOf(status.decidedBy).toEqualTypeOf<CanaryDecider | undefined>();
    expectTypeOf(coordinator.status().canary).toEqualTypeOf<ClusterCanaryStatus | undefined>();
    // @ts-expect-error promote takes no reason
    void running.promote('now');
  });

  it('a rolled-back cluster canary\'s error names the release and each worker\'s counts', () => {
    type Details = HotswapError<'HOTSWAP_CANARY_ROLLED_BACK'>['details'];
    expectTypeOf<Details['decidedBy']>().toEqualTypeOf<'rules' | 'manual' | 'closed'>();
    expectTypeOf<Details['release']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Details['workers']>().toEqualTypeOf<readonly WorkerCanaryReport[] | undefined>();
    expectTypeOf<WorkerCanaryState>().toEqualTypeOf<'running' | 'promoted' | 'rolled-back' | 'died' | 'no-answer'>();
  });
});
