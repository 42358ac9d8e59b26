import { asFailure, ErrorCodes, HotswapError } from '../errors.js';
import type { Generation } from '../generation.js';
import type { HandleRegistry } from '../handle.js';
import type { Logger } from '../logger.js';
import type { HostTypes } from '../plugin.js';
import type { ReloadDetails } from '../reload/details.js';
import type { StagedReload } from '../reload/pipeline.js';
import type { Retirement, RetireTiming } from '../retire.js';
import { CanaryRun, type CanaryOptions, type CanarySplit } from '../canary/run.js';
import { abortMessage, Transaction, type PreparedReload } from './prepared.js';
import type { Notify } from './wiring.js';

/** A reload staged up to the swap, with what the swapper needs to finish it. @internal */
export interface Staged<T extends HostTypes> {
  staged: StagedReload<T>;
  id: number;
  previous: Generation<T> | undefined;
  started: number;
  release: string | undefined;
}

/** What starting, promoting and rolling back a canary asks of the swapper. @internal */
export interface CanaryHost<T extends HostTypes> {
  readonly log: Logger;
  readonly handles: HandleRegistry<T>;
  readonly retirement: Retirement;
  readonly notify: Notify<T>;
  timing(): RetireTiming;
  /** Sets (or clears) the running canary; with `serving`, that generation serves from now on. */
  install(run: CanaryRun<T> | undefined, serving?: Generation<T>): void;
  /** Everything after a swap (`Swapper#committed`): details, history, events, the baseline's replaced versions retired. */
  committed(staged: Staged<T>, data: unknown): ReloadDetails;
  /** Records a failed reload and returns its error (`Swapper#failed`). */
  failed(error: unknown, staged: Staged<T>): HotswapError;
}

/**
 * Refuses, before anything serves, a canary that would hand a plugin's state
 * to a new version (HOTSWAP_CANARY_REFUSED): the staged reload is unwound and
 * the failure recorded. Returns the baseline. @internal
 */
export async function refuseStateful<T extends HostTypes>(host: CanaryHost<T>, staged: Staged<T>): Promise<Generation<T>> {
  const previous = staged.previous;
  if (previous === undefined) throw new HotswapError(ErrorCodes.NOT_LOADED, 'a canary needs a serving generation. Call swapper.load(data) first.');
  const stateful = staged.staged.stateful;
  if (stateful.length === 0) return previous;
  await staged.staged.abort();
  throw host.failed(
    new HotswapError(
      ErrorCodes.CANARY_REFUSED,
      `the reload hands the state of ${stateful.join(', ')} to a new version (takeState), which a canary cannot do: both generations would serve that state. Reload without a canary.`,
      { plugins: stateful },
    ),
    staged,
  );
}

/**
 * Commits a staged reload as a canary: the run is installed beside
 * `baseline` in the commit's synchronous step, and the handles are routed
 * through it until it is decided. A promote installs the canary's generation
 * as a commit does; a rollback gives carried-over versions the baseline's
 * vault back and retires the canary's own versions. @internal
 */
export function installCanary<T extends HostTypes>(host: CanaryHost<T>, staged: Staged<T>, baseline: Generation<T>, data: unknown, options: CanaryOptions): CanaryRun<T> {
  const { id } = staged;
  const generation = staged.staged.generation;
  const kept = new Set(baseline.versions);
  const own = generation.versions.filter((v) => !kept.has(v));
  const run: CanaryRun<T> = new CanaryRun(generation, baseline, options, {
    promote: () => {
      host.install(undefined, generation);
      host.handles.route(false);
      const details = host.committed(staged, data);
      host.notify('canary:end', run.status());
      return details;
    },
    rollback: (reasons) => {
      host.install(undefined);
      host.handles.route(false);
      for (const version of generation.versions) if (kept.has(version)) version.join(baseline.vault);
      host.retirement.retire(own, host.timing());
      const status = run.status();
      const message = `the canary of generation ${id} was rolled back: ${reasons.join('; ')}. Generation ${baseline.id} serves everything again.`;
      host.failed(new HotswapError(ErrorCodes.CANARY_ROLLED_BACK, message, { decidedBy: status.decidedBy ?? 'manual', reasons }), staged);
      host.notify('canary:end', status);
    },
  });
  staged.staged.commit(() => {
    host.install(run);
    host.handles.route(true);
  });
  host.log.info({ generation: id, stage: 'canary', baseline: baseline.id, weight: options.weight }, `generation ${id} serving as a canary for ${Math.round(options.weight * 100)}% of the work beside generation ${baseline.id}`);
  host.notify('canary:start', run.status());
  return run;
}

/** `swapper.canary()` after the staging: the refusal check, then the canary installed. @internal */
export async function startCanary<T extends HostTypes>(host: CanaryHost<T>, staged: Staged<T>, data: unknown, options: CanaryOptions): Promise<CanaryRun<T>> {
  const baseline = await refuseStateful(host, staged);
  return installCanary(host, staged, baseline, data, options);
}

/** A canary held at the swap (`swapper.prepareCanary()`), for a cluster transaction. @internal */
export interface PreparedCanary<T extends HostTypes> {
  /** Its `commit()` starts the canary; its `abort()` frees the new versions. */
  readonly prepared: PreparedReload;
  /** The canary, once committed. */
  run(): CanaryRun<T> | undefined;
}

/**
 * Holds a staged canary at the swap, as `prepare()` holds a reload: refused
 * now if it would hand a plugin's state over, committed later as a canary
 * with no judge of its own (`auto: false`, no time limit): whoever holds it
 * decides, as a cluster's coordinator does for every worker. @internal
 */
export async function holdCanary<T extends HostTypes>(
  host: CanaryHost<T>,
  staged: Staged<T>,
  data: unknown,
  split: CanarySplit,
  timeoutMs: number,
): Promise<{ prepared: Transaction; run(): CanaryRun<T> | undefined }> {
  const baseline = await refuseStateful(host, staged);
  const { id, release, started } = staged;
  let run: CanaryRun<T> | undefined;
  const prepared = new Transaction(id, staged.staged.details, release, timeoutMs, {
    commit: () => {
      try {
        run = installCanary(host, staged, baseline, data, { weight: split.weight, by: split.by ?? 'random', rules: { auto: false } });
      } catch (error) {
        throw asFailure(error);
      }
      return { generation: id, ...(release === undefined ? {} : { release }), plugins: staged.staged.details, durationMs: performance.now() - started };
    },
    abort: async (reason, error) => {
      await staged.staged.abort();
      host.failed(error ?? new HotswapError(ErrorCodes.RELOAD_ABORTED, abortMessage(id, reason), { reason }), staged);
    },
  });
  return { prepared, run: () => run };
}
