import type { Generation } from '../generation.js';
import type { Loadable } from '../loader/static.js';
import { keyOf } from '../names.js';
import type { HostTypes } from '../plugin.js';
import type { PluginVersion } from '../version/version.js';
import { activate } from './activate.js';
import { commit, type Handoff } from './commit.js';
import { pluginDetails, type PluginDetail } from './details.js';
import { evaluatePlan } from './evaluate.js';
import type { ReloadInput } from './input.js';
import { linkOrder, wireImports } from './link.js';
import { planReload } from './plan.js';
import { rollback } from './rollback.js';

/** A generation ready to be swapped in, and the versions the swap retires. */
export interface StagedReload<T extends HostTypes> {
  generation: Generation<T>;
  details: PluginDetail[];
  /** The serving versions the swap retires, in dependency order. */
  retired: PluginVersion[];
  /** The plugins whose state the commit hands from the old version to the new (takeState). */
  stateful: string[];
  /**
   * Hands each replaced version's state to its successor and calls `swap`,
   * in one synchronous step. Throws `HOTSWAP_HANDOFF_FAILED` with nothing
   * swapped; then call `abort()`.
   */
  commit(swap: (generation: Generation<T>) => void): void;
  /** Rolls the prepared generation back: its new versions get OnFree; the serving one is untouched. */
  abort(): Promise<void>;
}

/**
 * Runs a reload up to the swap, as a transaction: plan → evaluate → link →
 * activate. On any failure every new version is unwound (see `rollback`)
 * and the error is thrown; the serving generation is untouched.
 */
export async function prepareReload<T extends HostTypes>(input: ReloadInput<T>, sources: readonly Loadable[]): Promise<StagedReload<T>> {
  const previous = input.previous;
  const serving = previous?.versions ?? [];
  const plan = planReload(serving, sources, { refuseOlder: input.refuseOlder });
  const vault = input.makeVault();
  const { fresh, members, outcomes } = await evaluatePlan(input, plan, vault);
  const carried = plan.carried.map((c) => c.version);
  const unwind = (): Promise<void> => rollback(input, fresh, carried, previous);
  try {
    const ordered = linkOrder(members, new Set(serving.map((v) => keyOf(v.name))));
    wireImports(fresh, members);
    const generation = await activate(input, ordered, new Set(fresh), vault);
    const handoffs: Handoff[] = [];
    for (const version of ordered) {
      const replaced = outcomes.get(version)?.replaces;
      if (replaced !== undefined && version.definition.takeState !== undefined) handoffs.push({ from: replaced, to: version });
    }
    return {
      generation,
      details: pluginDetails(ordered, outcomes, plan.removed),
      retired: plan.retired,
      stateful: handoffs.map((h) => h.to.name),
      commit: (swap) => commit(generation, handoffs, input.runner.syncLimit, swap),
      abort: unwind,
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
