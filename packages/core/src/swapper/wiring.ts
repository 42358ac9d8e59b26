import { Census } from '../census.js';
import { HookRunner } from '../hooks.js';
import { fieldsOf } from '../logger.js';
import { eventOf, Retirement } from '../retire.js';
import type { HostTypes } from '../plugin.js';
import type { SwapperEvents } from './events.js';
import type { Settings } from './options.js';

/** How the swapper's parts report an event: the swapper's own `notify`. @internal */
export type Notify<T extends HostTypes> = <E extends keyof SwapperEvents<T>>(event: E, ...args: Parameters<SwapperEvents<T>[E]>) => void;

/** The parts every reload shares: the census, the hook runner and the retirement. @internal */
export interface Wiring {
  census: Census;
  runner: HookRunner;
  retirement: Retirement;
}

/**
 * Makes the census, the hook runner and the retirement of one swapper, each
 * reporting through `notify` (collections, leaks, hooks, every step of a
 * retired version's way to OnFree) and logging what a host must see. @internal
 */
export function wire<T extends HostTypes>(settings: Settings, notify: Notify<T>): Wiring {
  const log = settings.log;
  const census = new Census(
    log,
    settings.leakTimeout,
    (v) => notify('version:collect', { plugin: v.plugin, version: v.version, buildStamp: v.buildStamp }),
    (event) => notify('version:leak', event),
    settings.leakCheckInterval,
  );
  const runner = new HookRunner({
    timeoutMs: settings.hookTimeout,
    boundSync: settings.boundSync,
    onHook: (event) => notify('hook', event),
  });
  const retirement = new Retirement(runner, {
    retired: (v) => notify('version:retire', eventOf(v)),
    drained: (v) => notify('version:drain', eventOf(v)),
    stuck: (v, inflight) => {
      log.warn({ ...fieldsOf(v), stage: 'retire', inflight }, `plugin "${v.name}" ${v.version} still has ${inflight} call(s) running after maxFreeWait; running OnFree anyway`);
      notify('version:stuck', { ...eventOf(v), inflight });
    },
    freeFailed: (v, error) => {
      log.error({ ...fieldsOf(v), stage: 'onFree', code: error.code }, error.message);
      notify('version:free-failure', { ...eventOf(v), error });
    },
    freed: (v) => notify('version:free', eventOf(v)),
  });
  return { census, runner, retirement };
}
