import type { PluginVersion } from '../version/version.js';

/** What a reload did with one plugin. */
export type PluginStatus = 'loaded' | 'unchanged' | 'not-reloadable' | 're-linked' | 'removed';

/** One plugin's line in {@link ReloadDetails}. */
export interface PluginDetail {
  name: string;
  status: PluginStatus;
  /** The version serving after the reload (for `removed`, the one that retired). */
  version: string;
  /** The version it replaced, when it replaced one. */
  previousVersion?: string;
  buildStamp: string;
  /** Milliseconds per step for this plugin: evaluate, reloadable, export, import, onLoad, onInit. */
  timings: Record<string, number>;
}

/** What a load or reload did, per plugin (Go's `Details`). */
export interface ReloadDetails {
  /** The id of the generation now serving. */
  generation: number;
  /** The id of the release every artifact was read from, when the plugin directory is a release root or release. */
  release?: string;
  plugins: PluginDetail[];
  /** Milliseconds from the start of the reload to the swap. */
  durationMs: number;
}

/** What each version of the new generation is in this reload, and what it replaced. */
export interface Outcome {
  status: PluginStatus;
  replaces: PluginVersion | undefined;
  /** Whether this reload evaluated it (a carried-over version ran only OnInit). */
  fresh: boolean;
}

/** The per-plugin lines of a reload's details: the new generation in order, then the removed plugins. */
export function pluginDetails(
  ordered: readonly PluginVersion[],
  outcomes: ReadonlyMap<PluginVersion, Outcome>,
  removed: readonly PluginVersion[],
): PluginDetail[] {
  const lines: PluginDetail[] = ordered.map((version) => {
    const outcome = outcomes.get(version);
    const before = outcome?.replaces;
    const timings = outcome?.fresh === true ? { ...version.timings } : pick(version.timings, 'onInit');
    return {
      name: version.name,
      status: outcome?.status ?? 'loaded',
      version: version.version,
      ...(before === undefined ? {} : { previousVersion: before.version }),
      buildStamp: version.buildStamp,
      timings,
    };
  });
  for (const version of removed) {
    lines.push({ name: version.name, status: 'removed', version: version.version, buildStamp: version.buildStamp, timings: {} });
  }
  return lines;
}

function pick(timings: Readonly<Record<string, number>>, key: string): Record<string, number> {
  const value = timings[key];
  return value === undefined ? {} : { [key]: value };
}
