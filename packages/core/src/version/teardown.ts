import { describe, ErrorCodes, HotswapError, isHotswapError } from '../errors.js';
import type { HookRunner, HookTarget, StageErrors } from '../hooks.js';
import { hookFailed } from '../hooks.js';
import { endPiece, runBounded, sharedLimit, START_SHARE, TimedOut } from '../loader/bounded.js';
import type { PluginVersion } from './version.js';

/**
 * The first half of a version's teardown, for versions that retire or are
 * discarded together: `step` (which aborts each version's signal) runs for
 * each, the plugins' abort listeners inside one bounded run, then every
 * `ctx.onRetire` teardown, last registered first. Every piece is isolated: a
 * listener or teardown that throws, rejects or runs past the hook time limit
 * is reported on its version and the rest still run. Never throws.
 */
export async function tearDown(versions: readonly PluginVersion[], runner: HookRunner, step: (version: PluginVersion) => void): Promise<void> {
  abortAll(versions, runner, step);
  const teardowns: Teardown[] = versions.flatMap((version) => version.takeTeardowns().map((run) => ({ owner: version, run, ...identity(version) })));
  if (teardowns.length === 0) return;
  await runner.stage(
    teardowns,
    'onRetire',
    (t) => t.run,
    undefined,
    teardownErrors,
    (t, error) => t.owner.teardownFailed('onRetire', error),
  );
}

interface Teardown extends HookTarget {
  owner: PluginVersion;
  run: () => unknown;
}

const teardownErrors: StageErrors<Teardown> = {
  failed: (t, cause) => {
    const failed = hookFailed(t.name, 'onRetire', cause);
    return new HotswapError(ErrorCodes.TEARDOWN_FAILED, failed.message, { plugin: t.name, stage: 'onRetire', cause });
  },
  timeout: (t, timeoutMs) =>
    new HotswapError(ErrorCodes.TEARDOWN_FAILED, `plugin "${t.name}": an onRetire teardown did not finish within ${timeoutMs} ms.`, {
      plugin: t.name,
      stage: 'onRetire',
    }),
};

function identity(version: PluginVersion): HookTarget {
  return { name: version.name, version: version.version, timings: version.timings };
}

function abortAll(versions: readonly PluginVersion[], runner: HookRunner, step: (version: PluginVersion) => void): void {
  let i = 0;
  while (i < versions.length) {
    // Aborting a signal nobody listens to runs no plugin code: no watchdog needed.
    const limit = versions.slice(i).some((v) => v.mayRunOnAbort) ? runner.syncLimit : false;
    try {
      // Each version's listeners get the limit of their own (see loader/bounded.ts): a fresh run once a quarter of it is used.
      runBounded(() => {
        const opened = performance.now();
        for (const first = i; i < versions.length; i++) {
          if (i > first && limit !== false && performance.now() - opened > limit * START_SHARE) return;
          const started = performance.now();
          step(versions[i]!);
          endPiece(started, limit);
        }
      }, sharedLimit(limit));
    } catch (error) {
      const version = versions[i]!;
      version.teardownFailed(
        'abort',
        error instanceof TimedOut
          ? new HotswapError(
              ErrorCodes.TEARDOWN_FAILED,
              `plugin "${version.name}": an abort listener ran for more than ${limit === false ? error.timeoutMs : limit} ms and was interrupted.`,
              { plugin: version.name, stage: 'abort' },
            )
          : error,
      );
      i++;
    }
  }
}

/** A teardown piece's failure as a HotswapError: the error itself when it is one, else TEARDOWN_FAILED with it as cause. */
export function teardownFailure(version: PluginVersion, stage: 'abort' | 'onRetire' | 'onFree', error: unknown): HotswapError {
  if (isHotswapError(error)) return error;
  return new HotswapError(ErrorCodes.TEARDOWN_FAILED, `plugin "${version.name}": an ${stage} listener threw: ${describe(error)}`, {
    plugin: version.name,
    stage,
    cause: error,
  });
}
