import type { ClusterCanaryStatus, ClusterStatus, MeterSnapshot, ReloadRecord, SwapperStatus, VersionStatus, WorkerReport } from '@hotswap/core';
import { CliError } from '../errors.js';
import type { Io } from '../output.js';
import { fieldsOf, isClusterStatus, isSwapperStatus } from './status-shape.js';

type Colors = Io['color'];

/** Columns of text, each as wide as its widest cell; `paint` colours a cell after it is padded. */
function table(head: string[], rows: string[][], paint: (column: number, cell: string, padded: string) => string = (_c, _cell, padded) => padded): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], colour: boolean): string =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
        return colour ? paint(i, cell, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(head, false), ...rows.map((r) => line(r, true))].map((l) => `  ${l}\n`).join('');
}

const ms = (value: number): string => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
const clock = (at: number): string => new Date(at).toISOString().slice(11, 19);

/**
 * What `GET /status` answered, as text: a swapper's status as
 * {@link statusTable}, a cluster coordinator's as {@link clusterTable}.
 * Anything else (another version's shape, another server's JSON) is a
 * `HOTSWAP_CLI_FAILED` that points at `--json`, which prints it as it is.
 */
export function statusText(status: unknown, color: Colors): string {
  if (isSwapperStatus(status)) return statusTable(status, color);
  if (isClusterStatus(status)) return clusterTable(status, color);
  throw new CliError(
    `the host's GET /status answered a status this hotswap CLI cannot show as a table (${fieldsOf(status)}): neither a swapper's nor a cluster coordinator's, ` +
      'as @hotswap/core of this CLI\'s version makes them. Run the command again with --json to print it as it is, or use the hotswap CLI of the version the host runs.',
  );
}

/** `hotswap status` as text: the figures, the versions by state, the recent reloads. */
export function statusTable(status: SwapperStatus, color: Colors): string {
  const stateColor: Record<string, (s: string) => string> = {
    serving: color.green,
    retiring: color.yellow,
    freed: color.dim,
    collected: color.dim,
    leaked: color.red,
  };
  const versions: Array<[string, VersionStatus]> = [
    ...status.serving.map((v): [string, VersionStatus] => ['serving', v]),
    ...status.retiring.map((v): [string, VersionStatus] => ['retiring', v]),
    ...status.freed.map((v): [string, VersionStatus] => ['freed', v]),
    ...status.leaked.map((v): [string, VersionStatus] => ['leaked', v]),
  ];
  const out: string[] = [];
  out.push(
    `${color.bold(`generation ${status.generation ?? '–'}`)} · ${status.reloadCount} reload${status.reloadCount === 1 ? '' : 's'} · ` +
      `${status.collected} version${status.collected === 1 ? '' : 's'} collected${status.leaked.length > 0 ? ` · ${color.red(`${status.leaked.length} leaked`)}` : ''}\n\n`,
  );
  out.push(
    table(
      ['PLUGIN', 'VERSION', 'BUILD', 'STATE', 'IN FLIGHT', 'FREED'],
      versions.map(([state, v]) => [v.plugin, v.version, v.buildStamp, state, v.inflight === undefined ? '' : String(v.inflight), v.freedAt === undefined ? '' : clock(v.freedAt)]),
      (column, cell, padded) => (column === 3 ? (stateColor[cell] ?? String)(padded) : padded),
    ),
  );
  const recent = status.history.slice(-10).reverse();
  if (recent.length > 0) {
    out.push(`\n${color.bold('recent reloads')}\n`);
    out.push(
      table(
        ['GENERATION', 'OUTCOME', 'ENDED', 'TOOK', 'PLUGINS'],
        recent.map((r) => [`${r.generation}${r.kind === 'load' ? ' (load)' : ''}`, r.outcome, clock(r.at), ms(r.durationMs), what(r)]),
        (column, cell, padded) => (column === 1 ? (cell === 'success' ? color.green : color.red)(padded) : padded),
      ),
    );
  }
  return out.join('');
}

function what(record: ReloadRecord): string {
  if (record.error !== undefined) return `${record.error.code}${record.error.plugin === undefined ? '' : ` (${record.error.plugin})`}`;
  const changed = (record.plugins ?? []).map((p) => `${p.name}@${p.version} ${p.status}`);
  if ((record.unchanged ?? 0) > 0) changed.push(`${record.unchanged} unchanged`);
  return changed.join(', ');
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
/** A call's latency: most are well under a millisecond. */
const latency = (value: number): string => `${value < 10 ? value.toFixed(2) : Math.round(value)} ms`;
/** How long a canary has run: seconds, once there are some. */
const elapsed = (value: number): string => (value < 1000 ? ms(value) : `${(value / 1000).toFixed(1)} s`);
const byWorker = <W extends { worker: number }>(workers: readonly W[]): W[] => [...workers].sort((a, b) => a.worker - b.worker);

/**
 * `hotswap status` of a cluster coordinator's endpoint as text: the release
 * committed and the workers serving it, the cluster canary running (the
 * counts of all the workers together, then each worker's, and the verdict),
 * and the last cluster reload with each worker's outcome.
 */
export function clusterTable(status: ClusterStatus, color: Colors): string {
  const out: string[] = [];
  const committed = status.committed === undefined ? 'no release committed yet' : `release ${status.committed.id}`;
  const reloading = status.reloading ? ` · ${color.yellow(status.canary === undefined ? 'a cluster reload is under way' : 'a cluster canary is running')}` : '';
  out.push(`${color.bold(`cluster · ${committed}`)} · ${plural(status.workers.length, 'worker')} · ${plural(status.reloadCount, 'reload')}${reloading}\n\n`);
  out.push(
    table(
      ['COMMITTED', 'WORKERS', 'DIRECTORY'],
      [[status.committed?.id ?? '–', status.workers.length === 0 ? '–' : status.workers.join(', '), status.committed?.dir ?? '']],
    ),
  );
  if (status.canary !== undefined) out.push(canaryTable(status.canary, color));
  const last = status.lastReload;
  if (last !== undefined) {
    if (last.ok) {
      const { result } = last;
      out.push(
        `\n${color.bold(`last cluster reload ${result.generation}`)} · ${color.green('committed')} release ${result.release} at ${clock(last.at)} · ` +
          `${ms(result.durationMs)} · skew ${ms(result.skewMs)}\n`,
      );
      out.push(workersTable(result.workers, color));
    } else {
      out.push(`\n${color.bold('last cluster reload')} · ${color.red('failed')} at ${clock(last.at)} · ${last.code}\n  ${last.message}\n`);
    }
  }
  return out.join('');
}

/** A cluster canary: every worker's counts added up, each worker's own, and what the rules say. */
function canaryTable(canary: ClusterCanaryStatus, color: Colors): string {
  const out: string[] = [];
  const decided = canary.decidedBy === undefined ? '' : ` (decided by ${canary.decidedBy})`;
  out.push(
    `\n${color.bold(`cluster canary ${canary.generation}`)} · release ${canary.release} beside ${canary.baseline ?? 'none'} · ` +
      `${Math.round(canary.weight * 100)}% of the work by ${canary.by} · ${canary.state}${decided} for ${elapsed(canary.elapsedMs)}\n`,
  );
  const side = (name: string, counts: MeterSnapshot): string[] => [name, String(counts.calls), String(counts.errors), percent(counts.errorRate), latency(counts.p50Ms), latency(counts.p99Ms)];
  out.push(table(['SIDE', 'CALLS', 'ERRORS', 'ERROR RATE', 'P50', 'P99'], [side('canary', canary.counts.canary), side('baseline', canary.counts.baseline)]));
  out.push(
    table(
      ['WORKER', 'STATE', 'CANARY CALLS', 'CANARY ERRORS', 'BASELINE CALLS', 'BASELINE ERRORS'],
      byWorker(canary.workers).map((w) => [String(w.worker), w.state, String(w.counts.canary.calls), String(w.counts.canary.errors), String(w.counts.baseline.calls), String(w.counts.baseline.errors)]),
    ),
  );
  const paint = canary.verdict.verdict === 'promote' ? color.green : canary.verdict.verdict === 'rollback' ? color.red : color.yellow;
  out.push(`  verdict ${paint(canary.verdict.verdict)}${canary.verdict.reasons.length > 0 ? `: ${canary.verdict.reasons.join('; ')}` : ''}\n`);
  return out.join('');
}

/** Each worker's line of a cluster reload: its outcome, the generation it serves, its plugins or its error. */
function workersTable(workers: readonly WorkerReport[], color: Colors): string {
  return table(
    ['WORKER', 'OUTCOME', 'GENERATION', 'PLUGINS'],
    byWorker(workers).map((w) => [
      String(w.worker),
      w.outcome,
      w.generation === undefined ? '' : String(w.generation),
      w.error !== undefined ? w.error.code : (w.plugins ?? []).map((p) => `${p.name}@${p.version} ${p.status}`).join(', '),
    ]),
    (column, cell, padded) => (column === 1 ? (cell === 'committed' ? color.green : color.red)(padded) : padded),
  );
}
