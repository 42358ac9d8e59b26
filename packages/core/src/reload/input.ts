import type { Census } from '../census.js';
import type { Generation } from '../generation.js';
import type { HookRunner } from '../hooks.js';
import type { SharedModules } from '../loader/evaluate.js';
import type { Logger } from '../logger.js';
import type { HostTypes } from '../plugin.js';
import type { Vault } from '../vault.js';
import type { PluginVersion, TeardownStage } from '../version/version.js';

/**
 * Runs after a new generation is ready and before it is swapped in. Return
 * `false` to veto the reload; throwing also fails it. Either way the new
 * versions get OnFree and the current generation keeps serving.
 */
export type ReloadCallback<T extends HostTypes = HostTypes> = (
  next: Generation<T>,
  previous: Generation<T> | undefined,
) => void | boolean | Promise<void | boolean>;

/** Everything the phases of one reload need; the swapper fills it. */
export interface ReloadInput<T extends HostTypes> {
  /** The id the new generation gets. */
  id: number;
  /** The generation serving now, if any. */
  previous: Generation<T> | undefined;
  data: unknown;
  shared: SharedModules;
  makeVault: () => Vault<T>;
  runner: HookRunner;
  log: Logger;
  callbacks: readonly ReloadCallback<T>[];
  census: Census;
  /** Refuse an artifact older (by its signed build time) than the version it replaces. */
  refuseOlder: boolean;
  /** Told of an abort listener or onRetire teardown that failed. */
  onTeardownFailure: (version: PluginVersion, stage: TeardownStage | 'onFree', error: unknown) => void;
}
