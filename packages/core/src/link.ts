import semver from 'semver';
import { ErrorCodes, HotswapError } from './errors.js';
import { compareNames } from './loader/scan.js';
import type { PluginVersion } from './version.js';

/**
 * Checks the dependencies of the plugins of a new generation and returns them
 * in dependency order: each plugin after every plugin it imports, ties broken
 * by name so the order never varies. Throws, before any OnLoad has run, for
 * an unknown or removed dependency, an invalid or unmet semver range, a
 * not-reloadable plugin importing a reloadable one, and a cycle (the message
 * prints it: `a -> b -> a`).
 *
 * `previous` holds the lower-case names of the plugins serving now, to tell
 * a plugin that was removed from one that never existed.
 */
export function linkOrder(members: ReadonlyMap<string, PluginVersion>, previous: ReadonlySet<string>): PluginVersion[] {
  const names = [...members.values()].sort((a, b) => compareNames(a.name, b.name));
  const deps = new Map<PluginVersion, PluginVersion[]>();
  for (const version of names) {
    const list: PluginVersion[] = [];
    for (const [name, range] of Object.entries(version.importSpec)) {
      const target = members.get(name.toLowerCase());
      if (target === undefined) {
        const removed = previous.has(name.toLowerCase());
        throw new HotswapError(
          removed ? ErrorCodes.DEP_REMOVED : ErrorCodes.DEP_UNKNOWN,
          removed
            ? `plugin "${version.name}" imports "${name}", which this reload removes. Keep "${name}" in the plugin directory, or remove the import first.`
            : `plugin "${version.name}" imports "${name}", but there is no plugin "${name}". Build it into the plugin directory, or fix the name.`,
          { plugin: version.name, stage: 'link' },
        );
      }
      if (typeof range !== 'string' || semver.validRange(range) === null) {
        throw new HotswapError(
          ErrorCodes.DEP_RANGE_INVALID,
          `plugin "${version.name}" imports "${name}" with ${JSON.stringify(range)}, which is not a semver range. Use one such as "^1.2.0" or "*".`,
          { plugin: version.name, stage: 'link' },
        );
      }
      if (!semver.satisfies(target.version, range, { includePrerelease: true })) {
        throw new HotswapError(
          ErrorCodes.DEP_VERSION,
          `plugin "${version.name}" needs "${target.name}" ${range}, but "${target.name}" is ${target.version}. ` +
            `Build a matching version of "${target.name}", or widen the range.`,
          { plugin: version.name, stage: 'link' },
        );
      }
      if (!version.reloadable && target.reloadable) {
        throw new HotswapError(
          ErrorCodes.DEP_NOT_RELOADABLE,
          `plugin "${version.name}" is not reloadable but imports "${target.name}", which is: a new "${target.name}" could never reach it. ` +
            `Make "${target.name}" not reloadable too, or make "${version.name}" reloadable.`,
          { plugin: version.name, stage: 'link' },
        );
      }
      if (target !== version && !list.includes(target)) list.push(target);
      if (target === version) throw cycle([version, version]);
    }
    deps.set(version, list);
  }

  // Kahn's algorithm, always taking the first ready plugin by name.
  const waiting = new Map(names.map((v) => [v, deps.get(v)!.length]));
  const dependents = new Map<PluginVersion, PluginVersion[]>(names.map((v) => [v, []]));
  for (const [version, list] of deps) for (const dep of list) dependents.get(dep)!.push(version);
  const ready = names.filter((v) => waiting.get(v) === 0);
  const order: PluginVersion[] = [];
  while (ready.length > 0) {
    const next = ready.shift()!;
    order.push(next);
    for (const dependent of dependents.get(next)!) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) {
        ready.push(dependent);
        ready.sort((a, b) => compareNames(a.name, b.name));
      }
    }
  }
  if (order.length < names.length) throw cycle(findCycle(names.filter((v) => !order.includes(v)), deps));
  return order;
}

/** Every plugin that imports one of `changed`, directly or through others. */
export function dependentsOf(
  members: ReadonlyMap<string, PluginVersion>,
  changed: ReadonlySet<PluginVersion>,
): Set<PluginVersion> {
  const found = new Set<PluginVersion>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const version of members.values()) {
      if (found.has(version) || changed.has(version)) continue;
      for (const name of Object.keys(version.importSpec)) {
        const target = members.get(name.toLowerCase());
        if (target !== undefined && (changed.has(target) || found.has(target))) {
          found.add(version);
          grew = true;
          break;
        }
      }
    }
  }
  return found;
}

function findCycle(stuck: PluginVersion[], deps: ReadonlyMap<PluginVersion, PluginVersion[]>): PluginVersion[] {
  // Every plugin left over lies on or behind a cycle: walk dependencies until one repeats.
  const path: PluginVersion[] = [];
  let at = stuck[0]!;
  while (!path.includes(at)) {
    path.push(at);
    at = deps.get(at)!.filter((d) => stuck.includes(d)).sort((a, b) => compareNames(a.name, b.name))[0]!;
  }
  const loop = path.slice(path.indexOf(at));
  // Start the printed cycle at its first name, so the message is the same whatever the walk.
  const first = loop.reduce((min, v, i) => (compareNames(v.name, loop[min]!.name) < 0 ? i : min), 0);
  const rotated = [...loop.slice(first), ...loop.slice(0, first)];
  return [...rotated, rotated[0]!];
}

function cycle(path: PluginVersion[]): HotswapError {
  const text = path.map((v) => v.name).join(' -> ');
  return new HotswapError(
    ErrorCodes.DEP_CYCLE,
    `the plugins import each other in a cycle: ${text}. Break it: move what they share into one plugin, or into a shared module.`,
    { plugin: path[0]?.name, stage: 'link' },
  );
}
