import { ErrorCodes, HotswapError, type Stage } from '../errors.js';
import type { Lead, StageStep } from '../hooks/lead.js';
import { endPiece, runBounded, sharedLimit, START_SHARE, TimedOut } from '../loader/bounded.js';
import type { Compiled } from '../loader/evaluate.js';
import type { Loadable } from '../loader/static.js';
import { keyOf, type PluginKey } from '../names.js';
import type { HostTypes, ImportSpec } from '../plugin.js';
import type { Vault } from '../vault.js';
import { PluginVersion } from '../version/version.js';
import type { Outcome } from './details.js';
import type { ReloadInput } from './input.js';
import type { Plan } from './plan.js';
import { discardAll } from './rollback.js';

/** The versions a reload evaluated, with every member of the next generation by key. */
export interface EvaluatedPlan {
  /** The new versions, in name order. */
  fresh: PluginVersion[];
  /** Every plugin of the next generation: fresh and carried over. */
  members: Map<PluginKey, PluginVersion>;
  outcomes: Map<PluginVersion, Outcome>;
}

/**
 * The evaluate phase: compiles and runs the top-level code of every plugin
 * the plan evaluates (in one bounded run), then their Reloadable, Export and
 * Import hooks. On failure every version it made is discarded before the
 * error is thrown; no OnLoad has run yet.
 */
export async function evaluatePlan<T extends HostTypes>(
  input: ReloadInput<T>,
  plan: Plan<PluginVersion, Loadable>,
  vault: Vault<T>,
): Promise<EvaluatedPlan> {
  const fresh: PluginVersion[] = [];
  // The declarations' synchronous start runs in the last top-level run: one watchdog for both.
  const lead = input.runner.lead(declarations);
  try {
    // Each version goes into `fresh` as it is made: a failure anywhere after (a declaration hook in the lead
    // included, which may have registered teardowns) discards every one of them the same way, below.
    runTopLevel(input, plan, vault, lead, fresh);
    await runDeclarations(input, fresh, lead);
  } catch (error) {
    await discardAll(input, fresh);
    throw error;
  }
  const members = new Map<PluginKey, PluginVersion>();
  const outcomes = new Map<PluginVersion, Outcome>();
  for (const { version, status } of plan.carried) {
    members.set(keyOf(version.name), version);
    outcomes.set(version, { status, replaces: undefined, fresh: false });
  }
  plan.fresh.forEach((entry, i) => {
    const version = fresh[i]!;
    members.set(keyOf(version.name), version);
    outcomes.set(version, { status: entry.status, replaces: entry.replaces, fresh: true });
  });
  return { fresh, members, outcomes };
}

// Runs every top level, each version pushed into `made` as it is made; on failure the caller discards them.
function runTopLevel<T extends HostTypes>(input: ReloadInput<T>, plan: Plan<PluginVersion, Loadable>, vault: Vault<T>, lead: Lead<PluginVersion>, made: PluginVersion[]): void {
  const compiled: Compiled[] = [];
  try {
    for (const { source } of plan.fresh) compiled.push(source.compile(input.shared));
    let at = 0;
    while (at < compiled.length) {
      at = evaluateBatch(input, plan, compiled, at, vault, made, lead);
    }
  } catch (error) {
    for (const c of compiled.slice(made.length)) c.release();
    throw error;
  }
}

// Top-level code of many plugins in one bounded run, each limited to the hook limit (see loader/bounded.ts);
// a fresh run once a quarter of it is used. The run that evaluates the last one goes on with the declarations'
// synchronous start (`lead`), within the same quarter.
function evaluateBatch<T extends HostTypes>(
  input: ReloadInput<T>,
  plan: Plan<PluginVersion, Loadable>,
  compiled: readonly Compiled[],
  start: number,
  vault: Vault<T>,
  made: PluginVersion[],
  lead: Lead<PluginVersion>,
): number {
  let i = start;
  const limit = input.runner.syncLimit;
  try {
    return runBounded(() => {
      const opened = performance.now();
      for (; i < compiled.length; i++) {
        if (i > start && limit !== false && performance.now() - opened > limit * START_SHARE) return i;
        const started = performance.now();
        const evaluated = compiled[i]!.run();
        endPiece(started, limit);
        const source = plan.fresh[i]!.source;
        const version = new PluginVersion({
          manifest: source.manifest,
          digest: source.digest,
          definition: evaluated.definition,
          data: input.data,
          vault,
          log: input.log,
          generation: input.id,
          releaseSourceMap: evaluated.releaseSourceMap,
          // Values only, no closure made here: a closure would keep this reload's input, the serving generation among it, alive.
          observe: input.census.observe,
          onTeardownFailure: input.onTeardownFailure,
        });
        version.timings['evaluate'] = performance.now() - started;
        version.live = evaluated.live;
        input.census.add(version, evaluated.owner);
        made.push(version);
      }
      lead.run(made, limit === false ? Number.POSITIVE_INFINITY : opened + limit * START_SHARE);
      return i;
    }, sharedLimit(limit));
  } catch (error) {
    if (!(error instanceof TimedOut)) throw error;
    // Stopped in a declaration hook (or just after one): that hook's timeout, as its stage reports it.
    const inHook = lead.timedOut();
    if (inHook !== undefined) throw inHook;
    // The watchdog fired late, once every bundle had run: nothing was interrupted.
    if (i >= compiled.length) return i;
    const name = plan.fresh[i]!.source.manifest.name;
    // The piece's own limit, not the shared run's watchdog (see loader/bounded.ts).
    const timeoutMs = limit === false ? error.timeoutMs : limit;
    throw new HotswapError(
      ErrorCodes.HOOK_TIMEOUT,
      `plugin "${name}": its top-level code ran for more than ${timeoutMs} ms and was interrupted (an endless loop?). ` +
        'Move slow work out of the top level, or raise the swapper\'s hookTimeout option.',
      { plugin: name, stage: 'evaluate', timeoutMs },
    );
  }
}

/** Reloadable, Export and Import: each a stage over every fresh version, one after the other. */
const declarations: ReadonlyArray<StageStep<PluginVersion>> = [
  {
    stage: 'reloadable',
    pick: (v) => {
      const reloadable = v.definition.reloadable;
      return typeof reloadable === 'function' ? () => reloadable(v.context) : undefined;
    },
    done: (v, result) => (v.reloadable = checkReloadable(v.name, result)),
  },
  {
    stage: 'export',
    pick: (v) => {
      const exportHook = v.definition.export;
      return exportHook === undefined ? undefined : () => exportHook(v.context);
    },
    done: (v, result) => (v.exported = result),
  },
  {
    stage: 'import',
    // An object too: reading it may run a plugin's getters or a proxy's traps, so it is read as the hook, in the
    // bounded run (which the top level's run usually is already, through the lead): what it throws is the plugin's.
    pick: (v) => {
      const imports = v.definition.import;
      if (imports === undefined) return undefined;
      return typeof imports === 'function' ? () => imports(v.context) : () => readImportObject(imports);
    },
    done: (v, spec) => (v.importSpec = checkImportSpec(v.name, spec)),
  },
];

// What the top-level run's lead left of the declarations; then `reloadable` given as a value.
async function runDeclarations<T extends HostTypes>(input: ReloadInput<T>, fresh: readonly PluginVersion[], lead: Lead<PluginVersion>): Promise<void> {
  await input.runner.finish(fresh, lead);
  for (const v of fresh) if (typeof v.definition.reloadable !== 'function') v.reloadable = v.definition.reloadable !== false;
}

/** An import object given as a value, read once into a plain copy of its own enumerable keys: every getter and trap runs here. */
function readImportObject(imports: object): unknown {
  if (typeof imports !== 'object' || imports === null || Array.isArray(imports)) return imports;
  return Object.fromEntries(Object.entries(imports));
}

function invalid(plugin: string, stage: Stage, message: string): HotswapError {
  return new HotswapError(ErrorCodes.PLUGIN_INVALID, `plugin "${plugin}": ${message}`, { plugin, stage });
}

function checkReloadable(plugin: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw invalid(plugin, 'reloadable', `reloadable must return true or false, got ${value === null ? 'null' : typeof value}. Return a boolean.`);
}

/** An import spec as the docs define it: an object of distinct plugin names (without case) to semver range strings. */
export function checkImportSpec(plugin: string, value: unknown): ImportSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    throw invalid(plugin, 'import', `import must be an object of plugin names to semver ranges, such as { alpha: '^1.0.0' }; got ${got}.`);
  }
  const seen = new Map<PluginKey, string>();
  const spec: ImportSpec = {};
  for (const [name, range] of Object.entries(value as Record<string, unknown>)) {
    const other = seen.get(keyOf(name));
    if (other !== undefined) {
      throw invalid(plugin, 'import', `import names plugin "${other}" twice ("${other}" and "${name}"; names are compared without case). Keep one.`);
    }
    seen.set(keyOf(name), name);
    if (typeof range !== 'string') {
      throw new HotswapError(
        ErrorCodes.DEP_RANGE_INVALID,
        `plugin "${plugin}" imports "${name}" with ${JSON.stringify(range) ?? typeof range}, which is not a semver range. Use one such as "^1.2.0" or "*".`,
        { plugin, stage: 'link', dependency: name, range },
      );
    }
    spec[name] = range;
  }
  return spec;
}
