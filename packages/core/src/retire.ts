import { describe } from './errors.js';
import { runHook } from './hooks.js';
import type { Logger } from './logger.js';
import type { HookEvent } from './reload.js';
import type { PluginVersion } from './version.js';

/** A version that was retired or freed, as the events report it. */
export interface VersionEvent {
  plugin: string;
  version: string;
  buildStamp: string;
}

/** What retirement needs from the swapper. */
export interface RetireOptions {
  freeDelay: number;
  maxFreeWait: number;
  hookTimeout: number;
  log: Logger;
  onDrained: (version: PluginVersion) => void;
  onFreed: (version: PluginVersion) => void;
  onStuck: (event: VersionEvent & { inflight: number }) => void;
  onFreeFailed: (event: VersionEvent & { error: unknown }) => void;
  onHook: (event: HookEvent) => void;
  /** When aborted, the free delay ends at once: the swapper is closing. */
  hurry?: AbortSignal;
}

/**
 * Retires versions swapped out together: aborts their signals at once, lets
 * the calls already running in them finish, then, once the free delay has
 * passed and they have drained (or `maxFreeWait` has run out), runs their
 * OnFree exactly once each, in reverse dependency order. `versions` is in
 * dependency order. The returned promise settles when every OnFree has run;
 * it never rejects.
 */
export async function retire(versions: readonly PluginVersion[], options: RetireOptions): Promise<void> {
  for (const version of versions) {
    version.state = 'retiring';
    version.abort(`plugin "${version.name}" ${version.version} retired`);
  }
  // OnFree waits for both: the free delay, and the calls to drain (or maxFreeWait to run out).
  const drained = Promise.all(
    versions.map((v) =>
      v.drained().then(() => {
        if (v.state === 'retiring') options.onDrained(v);
      }),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.maxFreeWait);
    timer.unref();
  });
  const [, outcome] = await Promise.all([
    delay(options.freeDelay, options.hurry),
    Promise.race([drained.then(() => 'drained' as const), outOfTime]),
  ]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    for (const version of versions) {
      if (version.inflight > 0) options.onStuck({ ...eventOf(version), inflight: version.inflight });
    }
  }
  for (const version of [...versions].reverse()) {
    const onFree = version.definition.onFree;
    if (onFree !== undefined) {
      const started = performance.now();
      let ok = false;
      try {
        await runHook(version.name, 'onFree', () => onFree(version.context), options.hookTimeout);
        ok = true;
      } catch (error) {
        options.log.error(describe(error));
        options.onFreeFailed({ ...eventOf(version), error });
      }
      options.onHook({ plugin: version.name, version: version.version, stage: 'onFree', durationMs: performance.now() - started, ok });
    }
    version.end('freed');
    options.onFreed(version);
  }
}

/** The event payload that names a version. */
export function eventOf(version: PluginVersion): VersionEvent {
  return { plugin: version.name, version: version.version, buildStamp: version.buildStamp };
}

function delay(ms: number, hurry: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || hurry?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      hurry?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms).unref();
    hurry?.addEventListener('abort', done, { once: true });
  });
}
