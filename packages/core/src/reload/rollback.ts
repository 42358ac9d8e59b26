import { fieldsOf } from '../logger.js';
import { freeAll } from '../retire.js';
import type { Generation } from '../generation.js';
import type { HostTypes } from '../plugin.js';
import { tearDown } from '../version/teardown.js';
import type { PluginVersion } from '../version/version.js';
import type { ReloadInput } from './input.js';

/**
 * Unwinds a failed reload: carried-over versions go back to the serving
 * generation's vault, every new version's signal is aborted and its onRetire
 * teardowns run, those whose OnLoad started get OnFree in the reverse of the
 * order OnLoad ran in, and all of them are discarded. Every piece is
 * isolated and reported; this never throws.
 */
export async function rollback<T extends HostTypes>(
  input: ReloadInput<T>,
  fresh: readonly PluginVersion[],
  carried: readonly PluginVersion[],
  previous: Generation<T> | undefined,
): Promise<void> {
  if (previous !== undefined) {
    for (const version of carried) version.join(previous.vault);
  }
  await discardAll(input, fresh);
}

/** Tears down and discards versions that never served; OnFree only for those whose OnLoad started. */
export async function discardAll<T extends HostTypes>(input: ReloadInput<T>, fresh: readonly PluginVersion[]): Promise<void> {
  await tearDown(fresh, input.runner, (version) => version.abort('the reload that loaded this version failed'));
  const started = fresh.filter((v) => v.loadOrder !== undefined).sort((a, b) => b.loadOrder! - a.loadOrder!);
  await freeAll(started, input.runner, (version, error) => {
    input.log.error({ ...fieldsOf(version), generation: input.id, stage: 'onFree', code: error.code }, `rollback: ${error.message}`);
    input.onTeardownFailure(version, 'onFree', error);
  });
  for (const version of fresh) version.discard();
}
