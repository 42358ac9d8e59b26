import { ErrorCodes, HotswapError } from '../errors.js';
import { compareNames, keyOf, type PluginKey } from '../names.js';
import type { PluginStatus } from './details.js';

/** What the plan needs to know of a serving version. */
export interface PlanVersion {
  readonly name: string;
  readonly version: string;
  readonly digest: string;
  readonly reloadable: boolean;
  readonly importSpec: Readonly<Record<string, string>>;
  readonly manifest: { readonly builtAt: string };
}

/** What the plan needs to know of a plugin to serve. */
export interface PlanSource {
  readonly digest: string;
  readonly manifest: { readonly name: string; readonly version: string; readonly builtAt: string };
}

/** A serving version the next generation keeps as it is. */
export interface Carried<V> {
  version: V;
  status: Extract<PluginStatus, 'unchanged' | 'not-reloadable'>;
}

/** A plugin the next generation evaluates afresh. */
export interface Fresh<V, S> {
  source: S;
  /** The serving version it replaces, if there is one. */
  replaces: V | undefined;
  status: Extract<PluginStatus, 'loaded' | 're-linked'>;
}

/** Which versions carry over, which are evaluated, and which retire, before any plugin code runs. */
export interface Plan<V, S> {
  carried: Carried<V>[];
  /** In name order. */
  fresh: Fresh<V, S>[];
  /** Serving versions that no source names any more. */
  removed: V[];
  /** Every serving version the swap retires (removed and replaced), in the serving generation's order. */
  retired: V[];
}

/** Options of a plan. */
export interface PlanOptions {
  /** Refuse a source built (by its signed `builtAt`) before the version it would replace: a replay. */
  refuseOlder: boolean;
}

/**
 * The plan of a reload, a pure function of the serving versions (in
 * dependency order) and the sources: a source whose artifact is the serving
 * one's, or whose serving version is not reloadable, carries over; any other
 * is evaluated (`loaded`); a carried-over plugin that imports an evaluated
 * one, directly or not, is evaluated afresh from its unchanged artifact
 * (`re-linked`) so that no serving plugin holds a retired version's exports.
 * The walk uses a reverse-dependency index once: linear in plugins plus imports.
 */
export function planReload<V extends PlanVersion, S extends PlanSource>(serving: readonly V[], sources: readonly S[], options: PlanOptions): Plan<V, S> {
  const byKey = new Map<PluginKey, V>(serving.map((v) => [keyOf(v.name), v]));
  const sourceOf = new Map<PluginKey, S>(sources.map((s) => [keyOf(s.manifest.name), s]));
  const carried = new Map<PluginKey, Carried<V>>();
  const fresh = new Map<PluginKey, Fresh<V, S>>();
  for (const [key, source] of sourceOf) {
    const current = byKey.get(key);
    const same = current?.digest === source.digest;
    if (current !== undefined && (same || !current.reloadable)) {
      carried.set(key, { version: current, status: same ? 'unchanged' : 'not-reloadable' });
      continue;
    }
    if (current !== undefined && options.refuseOlder) refuseReplay(current, source);
    fresh.set(key, { source, replaces: current, status: 'loaded' });
  }
  relink(serving, carried, fresh, sourceOf);
  const removed = serving.filter((v) => !sourceOf.has(keyOf(v.name)));
  const kept = new Set<V>([...carried.values()].map((c) => c.version));
  return {
    carried: [...carried.values()],
    fresh: [...fresh.values()].sort((a, b) => compareNames(a.source.manifest.name, b.source.manifest.name)),
    removed,
    retired: serving.filter((v) => !kept.has(v)),
  };
}

function relink<V extends PlanVersion, S extends PlanSource>(
  serving: readonly V[],
  carried: Map<PluginKey, Carried<V>>,
  fresh: Map<PluginKey, Fresh<V, S>>,
  sourceOf: ReadonlyMap<PluginKey, S>,
): void {
  const importers = new Map<PluginKey, V[]>();
  for (const version of serving) {
    for (const name of Object.keys(version.importSpec)) {
      const key = keyOf(name);
      const list = importers.get(key);
      if (list === undefined) importers.set(key, [version]);
      else list.push(version);
    }
  }
  const queue = [...fresh.keys()];
  while (queue.length > 0) {
    for (const importer of importers.get(queue.pop()!) ?? []) {
      const key = keyOf(importer.name);
      const entry = carried.get(key);
      if (entry === undefined || !importer.reloadable) continue;
      carried.delete(key);
      fresh.set(key, { source: sourceOf.get(key)!, replaces: importer, status: 're-linked' });
      queue.push(key);
    }
  }
}

function refuseReplay(current: PlanVersion, source: PlanSource): void {
  const before = Date.parse(current.manifest.builtAt);
  const now = Date.parse(source.manifest.builtAt);
  if (!(now < before)) return;
  const name = source.manifest.name;
  throw new HotswapError(
    ErrorCodes.ARTIFACT_REPLAYED,
    `the artifact of plugin "${name}" (${source.manifest.version}, built ${source.manifest.builtAt}) is older than the serving ` +
      `${current.version} (built ${current.manifest.builtAt}): refused as a replay of an old build. ` +
      'To go back on purpose, reload with { rollback: true } (hotswap reload --rollback).',
    { plugin: name, stage: 'verify' },
  );
}
