import type { Census, VersionStatus } from '../census.js';
import type { Stage } from '../errors.js';
import type { ReloadDetails } from '../reload/details.js';
import type { CanaryStatus } from '../canary/run.js';
import type { ReloadRecord } from './history.js';

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
  /** The versions garbage-collected most recently (up to 100), oldest first. */
  recentlyCollected: VersionStatus[];
  /** The recent loads and reloads (up to 50), oldest first: outcome, per-plugin status and timings. */
  history: ReloadRecord[];
  /** The last load or reload: its details, or its error. */
  lastReload?: LastReload;
  /** The canary running now, with its counts and the verdict as it forms. */
  canary?: CanaryStatus;
}

/** What the swapper knows beside the census. @internal */
export interface StatusInput {
  generation: number | undefined;
  release: string | undefined;
  reloadCount: number;
  lastReload: LastReload | undefined;
  history: ReloadRecord[];
  canary: CanaryStatus | undefined;
}

/** The status snapshot, from the census and what the swapper knows. @internal */
export function statusOf(census: Census, input: StatusInput): SwapperStatus {
  const { generation, release, reloadCount, lastReload, history, canary } = input;
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
    recentlyCollected: pick('collected'),
    history,
    ...(lastReload === undefined ? {} : { lastReload }),
    ...(canary === undefined ? {} : { canary }),
  };
}
