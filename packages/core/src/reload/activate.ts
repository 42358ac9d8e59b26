import { describe, ErrorCodes, HotswapError, isHotswapError } from '../errors.js';
import { Generation } from '../generation.js';
import type { HookTarget, StageErrors } from '../hooks.js';
import type { HostTypes } from '../plugin.js';
import type { Vault } from '../vault.js';
import type { PluginVersion } from '../version/version.js';
import type { ReloadInput } from './input.js';

/**
 * The activate phase: OnLoad of each new version in dependency order, the
 * vault's live functions and types (exactly the new generation's), OnInit of
 * every member, then the reload callbacks. Returns the generation, ready to
 * be committed; throws on the first failure (the caller rolls back).
 */
export async function activate<T extends HostTypes>(
  input: ReloadInput<T>,
  ordered: readonly PluginVersion[],
  fresh: ReadonlySet<PluginVersion>,
  vault: Vault<T>,
): Promise<Generation<T>> {
  const { runner } = input;
  const loading = ordered.filter((v) => fresh.has(v));
  try {
    await runner.stage(loading, 'onLoad', (v) => {
      const onLoad = v.definition.onLoad;
      return onLoad === undefined ? undefined : () => onLoad(v.context);
    });
  } catch (error) {
    // OnLoad was reached by every version up to the one that failed: those get OnFree in the rollback.
    const failed = isHotswapError(error) && error.plugin !== undefined ? loading.findIndex((v) => v.name === error.plugin) : -1;
    markStarted(failed < 0 ? loading : loading.slice(0, failed + 1));
    throw error;
  }
  markStarted(loading);
  const owners = new Map<string, string>();
  for (const version of ordered) {
    for (const [name, value] of Object.entries(version.live)) {
      vault.addLive(version.name, name, value, owners, (fn) => version.tracked(fn));
    }
  }
  for (const version of ordered) version.join(vault);
  await runner.stage(ordered, 'onInit', (v) => {
    const onInit = v.definition.onInit;
    return onInit === undefined ? undefined : () => onInit(v.context);
  });
  const generation = new Generation<T>(input.id, ordered, vault);
  await runCallbacks(input, generation);
  return generation;
}

const callbackErrors = <V extends HookTarget>(): StageErrors<V> => ({
  failed: (_, cause) =>
    new HotswapError(ErrorCodes.RELOAD_CALLBACK_FAILED, `a reload callback threw: ${describe(cause)}. The reload was rolled back.`, {
      stage: 'callback',
      cause,
    }),
  timeout: (_, timeoutMs) =>
    new HotswapError(
      ErrorCodes.RELOAD_CALLBACK_TIMEOUT,
      `a reload callback did not settle within ${timeoutMs} ms (the swapper's hookTimeout). The reload was rolled back; make the callback settle sooner.`,
      { stage: 'callback' },
    ),
});

async function runCallbacks<T extends HostTypes>(input: ReloadInput<T>, generation: Generation<T>): Promise<void> {
  const targets = input.callbacks.map((callback) => ({ name: '', version: '', timings: {}, callback }));
  await input.runner.stage(
    targets,
    'callback',
    (t) => () => t.callback(generation, input.previous),
    (_, verdict) => {
      if (verdict === false) {
        throw new HotswapError(ErrorCodes.RELOAD_VETOED, 'a reload callback vetoed the reload by returning false. The reload was rolled back.', {
          stage: 'callback',
        });
      }
    },
    callbackErrors(),
  );
}

/** Records the order in which OnLoad was reached, for a rollback to free in reverse. */
function markStarted(versions: readonly PluginVersion[]): void {
  versions.forEach((v, i) => (v.loadOrder = i));
}
