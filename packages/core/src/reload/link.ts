import semver from 'semver';
import toposort from 'toposort';
import { ErrorCodes, HotswapError } from '../errors.js';
import { compareNames, keyOf, type PluginKey } from '../names.js';
import type { PluginVersion } from '../version/version.js';

/**
 * The link phase: checks the dependencies of the plugins of a new generation
 * and returns them in dependency order, each after every plugin it imports.
 * The order comes from `toposort`, given the plugins in name order so that
 * it never varies. Throws, before any OnLoad has run, for an unknown or
 * removed dependency, an invalid or unmet semver range, a not-reloadable
 * plugin importing a reloadable one, and a cycle (the message prints it:
 * `a -> b -> a`).
 *
 * `previous` holds the keys of the plugins serving now, to tell a plugin
 * that was removed from one that never existed.
 */
export function linkOrder(members: ReadonlyMap<PluginKey, PluginVersion>, previous: ReadonlySet<PluginKey>): PluginVersion[] {
  const sorted = [...members.values()].sort((a, b) => compareNames(a.name, b.name));
  const deps = new Map<PluginVersion, PluginVersion[]>();
  for (const version of sorted) deps.set(version, dependenciesOf(version, members, previous));
  const index = new Map(sorted.map((v, i) => [v, i]));
  const edges: Array<[number, number]> = [];
  for (const [version, list] of deps) for (const dep of list) edges.push([index.get(dep)!, index.get(version)!]);
  let order: number[];
  try {
    order = toposort.array(
      sorted.map((_, i) => i),
      edges,
    );
  } catch {
    throw cycle(findCycle(sorted, deps));
  }
  return order.map((i) => sorted[i]!);
}

/** Sets each fresh version's `imports` to what its dependencies exported. */
export function wireImports(fresh: readonly PluginVersion[], members: ReadonlyMap<PluginKey, PluginVersion>): void {
  for (const version of fresh) {
    for (const name of Object.keys(version.importSpec)) version.imports[name] = members.get(keyOf(name))!.exported;
  }
}

function dependenciesOf(version: PluginVersion, members: ReadonlyMap<PluginKey, PluginVersion>, previous: ReadonlySet<PluginKey>): PluginVersion[] {
  const list: PluginVersion[] = [];
  for (const [name, range] of Object.entries(version.importSpec)) {
    const target = members.get(keyOf(name));
    if (target === undefined) {
      const removed = previous.has(keyOf(name));
      throw new HotswapError(
        removed ? ErrorCodes.DEP_REMOVED : ErrorCodes.DEP_UNKNOWN,
        removed
          ? `plugin "${version.name}" imports "${name}", which this reload removes. Keep "${name}" in the plugin directory, or remove the import first.`
          : `plugin "${version.name}" imports "${name}", but there is no plugin "${name}". Build it into the plugin directory, or fix the name.`,
        { plugin: version.name, stage: 'link', dependency: name },
      );
    }
    const parsed = rangeOf(range);
    if (parsed === undefined) {
      throw new HotswapError(
        ErrorCodes.DEP_RANGE_INVALID,
        `plugin "${version.name}" imports "${name}" with ${JSON.stringify(range)}, which is not a semver range. Use one such as "^1.2.0" or "*".`,
        { plugin: version.name, stage: 'link', dependency: name, range },
      );
    }
    if (!parsed.test(target.version)) {
      throw new HotswapError(
        ErrorCodes.DEP_VERSION,
        `plugin "${version.name}" needs "${target.name}" ${range}, but "${target.name}" is ${target.version}. ` +
          `Build a matching version of "${target.name}", or widen the range.`,
        { plugin: version.name, stage: 'link', dependency: target.name, range, found: target.version },
      );
    }
    if (!version.reloadable && target.reloadable) {
      throw new HotswapError(
        ErrorCodes.DEP_NOT_RELOADABLE,
        `plugin "${version.name}" is not reloadable but imports "${target.name}", which is: a new "${target.name}" could never reach it. ` +
          `Make "${target.name}" not reloadable too, or make "${version.name}" reloadable.`,
        { plugin: version.name, stage: 'link', dependency: target.name },
      );
    }
    if (target === version) throw cycle([version, version]);
    if (!list.includes(target)) list.push(target);
  }
  return list;
}

// toposort says only that there is a cycle: find one to print, the same whatever the walk.
function findCycle(sorted: readonly PluginVersion[], deps: ReadonlyMap<PluginVersion, PluginVersion[]>): PluginVersion[] {
  const state = new Map<PluginVersion, 'open' | 'done'>();
  const path: PluginVersion[] = [];
  const visit = (v: PluginVersion): PluginVersion[] | undefined => {
    state.set(v, 'open');
    path.push(v);
    for (const dep of [...deps.get(v)!].sort((a, b) => compareNames(a.name, b.name))) {
      if (state.get(dep) === 'open') return path.slice(path.indexOf(dep));
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found !== undefined) return found;
      }
    }
    path.pop();
    state.set(v, 'done');
    return undefined;
  };
  for (const v of sorted) {
    if (state.get(v) !== undefined) continue;
    const loop = visit(v);
    if (loop === undefined) continue;
    // Start the printed cycle at its first name.
    const first = loop.reduce((min, x, i) => (compareNames(x.name, loop[min]!.name) < 0 ? i : min), 0);
    const rotated = [...loop.slice(first), ...loop.slice(0, first)];
    return [...rotated, rotated[0]!];
  }
  return [...sorted];
}

function cycle(path: readonly PluginVersion[]): HotswapError {
  const text = path.map((v) => v.name).join(' -> ');
  return new HotswapError(
    ErrorCodes.DEP_CYCLE,
    `the plugins import each other in a cycle: ${text}. Break it: move what they share into one plugin, or into a shared module.`,
    { plugin: path[0]?.name, stage: 'link', cycle: path.map((v) => v.name) },
  );
}

/**
 * Parsed ranges by their text. A reload re-links every plugin that imports a
 * changed one, so a root change in a graph of a thousand plugins checks a
 * thousand imports, each with one of a handful of ranges: parsing each once
 * (a few microseconds apiece) keeps re-linking a walk, not a parse per import.
 * Bounded: a host whose plugins use more ranges than this starts again.
 */
const ranges = new Map<string, semver.Range | null>();
const RANGES_KEPT = 1024;

/** `range` parsed, prereleases included (a plugin at 2.0.0-rc.1 satisfies ^2.0.0-0 and *), or undefined when it is not a range. */
function rangeOf(range: string): semver.Range | undefined {
  let parsed = ranges.get(range);
  if (parsed === undefined) {
    try {
      parsed = new semver.Range(range, { includePrerelease: true });
    } catch {
      parsed = null;
    }
    if (ranges.size >= RANGES_KEPT) ranges.clear();
    ranges.set(range, parsed);
  }
  return parsed ?? undefined;
}
