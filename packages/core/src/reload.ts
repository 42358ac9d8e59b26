import type { Census } from './census.js';
import { describe, ErrorCodes, HotswapError, where, type Stage } from './errors.js';
import { Generation } from './generation.js';
import { isPromiseLike, runHook } from './hooks.js';
import { mapErrorStack } from './loader/source-map.js';
import { dependentsOf, linkOrder } from './link.js';
import type { SharedModules } from './loader/evaluate.js';
import type { Loadable } from './loader/static.js';
import { compareNames } from './loader/scan.js';
import type { Logger } from './logger.js';
import type { HostTypes, ImportSpec } from './plugin.js';
import { PluginVersion } from './version.js';
import type { Vault } from './vault.js';

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
  plugins: PluginDetail[];
  /** Milliseconds from the start of the reload to the swap. */
  durationMs: number;
}

/**
 * Runs after a new generation is ready and before it is swapped in. Return
 * `false` to veto the reload; throwing also fails it. Either way the new
 * versions get OnFree and the current generation keeps serving.
 */
export type ReloadCallback<T extends HostTypes = HostTypes> = (
  next: Generation<T>,
  previous: Generation<T> | undefined,
) => void | boolean | Promise<void | boolean>;

/** A step of a hook, reported as the `hook` event. */
export interface HookEvent {
  plugin: string;
  version: string;
  stage: Stage;
  durationMs: number;
  /** Whether the hook succeeded. */
  ok: boolean;
}

/** Everything one reload needs; the swapper fills it. */
export interface ReloadInput<T extends HostTypes> {
  id: number;
  previous: Generation<T> | undefined;
  /** The plugins to serve: artifacts read from disk, or static plugins. */
  artifacts: readonly Loadable[];
  data: unknown;
  shared: SharedModules;
  makeVault: () => Vault<T>;
  hookTimeout: number;
  log: Logger;
  callbacks: readonly ReloadCallback<T>[];
  onHook: (event: HookEvent) => void;
  census: Census;
  /** How long after a failed version's rollback to check that it was collected; `false` never. */
  leakTimeout: number | false;
}

/** A generation ready to be swapped in, and the versions the swap retires. */
export interface PreparedReload<T extends HostTypes> {
  generation: Generation<T>;
  details: PluginDetail[];
  retired: PluginVersion[];
  /**
   * Hands the state of each replaced version to its successor. Synchronous:
   * the swapper calls it and swaps in the same tick, so no call runs between
   * a version giving its state and its successor taking it. Throws
   * `HOTSWAP_HANDOFF_FAILED`; then call `abandon()`.
   */
  handOver(): void;
  /** Rolls the prepared generation back: its new versions get OnFree. */
  abandon(): Promise<void>;
}

/**
 * Builds the next generation as a transaction: evaluates the changed and new
 * plugins, runs their hooks in order (Reloadable, Export, Import, OnLoad,
 * vault, OnInit), then the reload callbacks. If any step fails, every new
 * version whose OnLoad started gets OnFree in reverse order, carried-over
 * versions get their previous vault back, and the error is thrown: the
 * previous generation is untouched and keeps serving.
 */
export async function prepareReload<T extends HostTypes>(input: ReloadInput<T>): Promise<PreparedReload<T>> {
  const { previous, log } = input;
  const vault = input.makeVault();
  const fresh: PluginVersion[] = [];
  const carried: PluginVersion[] = [];
  const status = new Map<PluginVersion, PluginStatus>();
  const replaced = new Map<PluginVersion, PluginVersion>();
  const members = new Map<string, PluginVersion>();
  const artifacts = new Map(input.artifacts.map((a) => [a.manifest.name.toLowerCase(), a]));

  // Evaluates one artifact and runs the hooks that come before linking: Reloadable, Export, Import.
  const evaluate = async (artifact: Loadable, current: PluginVersion | undefined, why: PluginStatus): Promise<void> => {
    const started = performance.now();
    const { definition, owner, live, releaseSourceMap } = artifact.evaluate(input.shared);
    const version = new PluginVersion(
      artifact.manifest,
      artifact.digest,
      definition,
      input.data,
      vault as Vault,
      log,
      releaseSourceMap,
    );
    version.timings['evaluate'] = performance.now() - started;
    version.live = live;
    version.censusId = input.census.add(version, owner);
    fresh.push(version);
    status.set(version, why);
    if (current !== undefined) replaced.set(version, current);
    members.set(version.name.toLowerCase(), version);
    const reloadable = definition.reloadable;
    version.reloadable =
      typeof reloadable === 'function'
        ? await hook(input, version, 'reloadable', () => reloadable(version.context))
        : reloadable !== false;
    if (definition.export !== undefined) {
      const exportHook = definition.export;
      version.exported = await hook(input, version, 'export', () => exportHook(version.context));
    }
    const imports = definition.import;
    if (imports !== undefined) {
      const spec =
        typeof imports === 'function'
          ? await hook(input, version, 'import', () => imports(version.context) as ImportSpec | Promise<ImportSpec>)
          : imports;
      if (typeof spec !== 'object' || spec === null) {
        throw new HotswapError(ErrorCodes.HOOK_FAILED, `plugin "${version.name}": import must return an object of plugin names to semver ranges.`, {
          plugin: version.name,
          stage: 'import',
        });
      }
      version.importSpec = spec;
    }
  };

  try {
    for (const artifact of input.artifacts) {
      const current = previous?.versionOf(artifact.manifest.name);
      const same = current?.digest === artifact.digest;
      if (current !== undefined && (same || !current.reloadable)) {
        carried.push(current);
        members.set(current.name.toLowerCase(), current);
        status.set(current, same ? 'unchanged' : 'not-reloadable');
        continue;
      }
      await evaluate(artifact, current, 'loaded');
    }

    // Re-link: a carried-over plugin that imports a new version, directly or
    // not, is evaluated afresh from its unchanged artifact, so that no serving
    // plugin holds a retired version's exports.
    for (;;) {
      const stale = [...dependentsOf(members, new Set(fresh))].filter((v) => carried.includes(v) && v.reloadable);
      if (stale.length === 0) break;
      for (const version of stale.sort((a, b) => compareNames(a.name, b.name))) {
        carried.splice(carried.indexOf(version), 1);
        status.delete(version);
        await evaluate(artifacts.get(version.name.toLowerCase())!, version, 're-linked');
      }
    }

    const ordered = linkOrder(members, new Set((previous?.versions ?? []).map((v) => v.name.toLowerCase())));
    for (const version of fresh) {
      for (const name of Object.keys(version.importSpec)) {
        version.imports[name] = members.get(name.toLowerCase())!.exported;
      }
    }
    const kept = new Set([...carried, ...replaced.values()]);
    const retired = (previous?.versions ?? []).filter((v) => !kept.has(v));

    let loadCounter = 0;
    for (const version of ordered) {
      if (!fresh.includes(version)) continue;
      const onLoad = version.definition.onLoad;
      version.loadOrder = loadCounter++;
      if (onLoad !== undefined) await hook(input, version, 'onLoad', () => onLoad(version.context));
    }

    // The vault's live functions and types are exactly the new generation's.
    const owners = new Map<string, string>();
    for (const version of ordered) {
      for (const [name, value] of Object.entries(version.live)) {
        vault.addLive(version.name, name, value, owners, (fn) => version.tracked(fn));
      }
    }
    for (const version of ordered) version.vault = vault as Vault;
    for (const version of ordered) {
      const onInit = version.definition.onInit;
      if (onInit !== undefined) await hook(input, version, 'onInit', () => onInit(version.context));
    }

    const generation = new Generation<T>(input.id, ordered, vault);
    for (const callback of input.callbacks) {
      let verdict: void | boolean;
      try {
        verdict = await callback(generation, previous);
      } catch (error) {
        throw new HotswapError(
          ErrorCodes.RELOAD_CALLBACK_FAILED,
          `a reload callback threw: ${describe(error)}. The reload was rolled back.`,
          { stage: 'callback', cause: error },
        );
      }
      if (verdict === false) {
        throw new HotswapError(
          ErrorCodes.RELOAD_VETOED,
          'a reload callback vetoed the reload by returning false. The reload was rolled back.',
          { stage: 'callback' },
        );
      }
    }

    const details: PluginDetail[] = ordered.map((version) => {
      const before = replaced.get(version);
      // A carried-over version ran only OnInit in this reload.
      const timings = fresh.includes(version) ? { ...version.timings } : pick(version.timings, 'onInit');
      return {
        name: version.name,
        status: status.get(version) ?? 'loaded',
        version: version.version,
        ...(before === undefined ? {} : { previousVersion: before.version }),
        buildStamp: version.buildStamp,
        timings,
      };
    });
    for (const version of retired) {
      details.push({
        name: version.name,
        status: 'removed',
        version: version.version,
        buildStamp: version.buildStamp,
        timings: {},
      });
    }
    for (const version of [...replaced.values()]) {
      if (!retired.includes(version)) retired.push(version);
    }
    const takers = ordered.filter((v) => replaced.has(v) && v.definition.takeState !== undefined);
    return {
      generation,
      details,
      retired,
      handOver: () => {
        for (const next of takers) handOver(replaced.get(next)!, next);
      },
      abandon: () => rollback(input, fresh, carried, previous),
    };
  } catch (error) {
    await rollback(input, fresh, carried, previous);
    throw error;
  }
}

function handOver(previous: PluginVersion, next: PluginVersion): void {
  let state: unknown;
  const give = previous.definition.giveState;
  const fail = (stage: 'giveState' | 'takeState', plugin: PluginVersion, error: unknown): HotswapError => {
    const at = mapErrorStack(error);
    return new HotswapError(
      ErrorCodes.HANDOFF_FAILED,
      `plugin "${plugin.name}": ${stage} failed handing state from ${previous.version} to ${next.version}: ${describe(error)}${where(at)}. ` +
        `The reload was rolled back; ${previous.version} keeps serving with its state.`,
      { plugin: plugin.name, stage, cause: error },
    );
  };
  try {
    state = give === undefined ? undefined : give(previous.context);
  } catch (error) {
    throw fail('giveState', previous, error);
  }
  if (isPromiseLike(state)) throw fail('giveState', previous, new Error('giveState returned a promise; it must be synchronous'));
  try {
    const result: unknown = next.definition.takeState!(
      { state, version: previous.version, buildStamp: previous.buildStamp },
      next.context,
    );
    if (isPromiseLike(result)) throw new Error('takeState returned a promise; it must be synchronous');
  } catch (error) {
    throw fail('takeState', next, error);
  }
}

async function rollback<T extends HostTypes>(
  input: ReloadInput<T>,
  fresh: readonly PluginVersion[],
  carried: readonly PluginVersion[],
  previous: Generation<T> | undefined,
): Promise<void> {
  if (previous !== undefined) {
    for (const version of carried) version.vault = previous.vault as Vault;
  }
  // OnFree in the reverse of the order OnLoad ran in.
  const started = fresh.filter((v) => v.loadOrder !== undefined).sort((a, b) => b.loadOrder! - a.loadOrder!);
  for (const version of fresh) version.abort('the reload that loaded this version failed');
  for (const version of started) {
    const onFree = version.definition.onFree;
    if (onFree === undefined) continue;
    try {
      await hook(input, version, 'onFree', () => onFree(version.context));
    } catch (error) {
      input.log.error(`rollback: ${describe(error)}`);
    }
  }
  for (const version of fresh) {
    version.end('discarded');
    input.census.freed(version.censusId, input.leakTimeout);
  }
}

async function hook<T extends HostTypes, R>(
  input: ReloadInput<T>,
  version: PluginVersion,
  stage: Stage,
  fn: () => R | Promise<R>,
): Promise<R> {
  const started = performance.now();
  let ok = false;
  try {
    const result = await runHook(version.name, stage, fn, input.hookTimeout);
    ok = true;
    return result;
  } finally {
    const durationMs = performance.now() - started;
    version.timings[stage] = durationMs;
    input.onHook({ plugin: version.name, version: version.version, stage, durationMs, ok });
  }
}

function pick(timings: Readonly<Record<string, number>>, key: string): Record<string, number> {
  return timings[key] === undefined ? {} : { [key]: timings[key] };
}
