import type { Census, VersionStatus } from '../census.js';
import type { Stage } from '../errors.js';
import type { ReloadDetails } from '../reload/details.js';

/** The last load or reload: its details, or its error with the plugin and stage it failed at. */
export type LastReload =
  | { ok: true; at: number; details: ReloadDetails }
  | { ok: false; at: number; code: string; message: string; plugin?: string; stage?: Stage };

/** What the swapper is doing and has done: `swapper.status()`. */
export interface SwapperStatus {
  /** The id of the serving generation, or undefined before the first load and after close. */
  generation: number | undefined;
  /** The release the serving generation was read from, when the plugin directory is a release root or release. */
  release?: string;
  /** Successful reloads since the first load. */
  reloadCount: number;
  /** Versions serving now, with their calls in flight. */
  serving: VersionStatus[];
  /** Versions swapped out whose calls are draining or whose OnFree has not run yet. */
  retiring: VersionStatus[];
  /** Versions whose OnFree ran, not yet garbage-collected. */
  freed: VersionStatus[];
  /** Versions found alive after `leakTimeout`. */
  leaked: VersionStatus[];
  /** How many versions were garbage-collected in all. */
  collected: number;
  /** The last load or reload: its details, or its error. */
  lastReload?: LastReload;
}

/** The status snapshot, from the census and what the swapper knows. @internal */
export function statusOf(
  census: Census,
  generation: number | undefined,
  reloadCount: number,
  lastReload: LastReload | undefined,
  release?: string,
): SwapperStatus {
  const { versions, collected } = census.snapshot();
  const pick = (state: VersionStatus['state']): VersionStatus[] => versions.filter((v) => v.state === state);
  return {
    generation,
    ...(release === undefined ? {} : { release }),
    reloadCount,
    serving: pick('serving'),
    retiring: pick('retiring'),
    freed: pick('freed'),
    leaked: pick('leaked'),
    collected,
    ...(lastReload === undefined ? {} : { lastReload }),
  };
}
