import type { ReloadRecord, SwapperStatus, VersionStatus } from '@hotswap/core';
import type { Io } from '../output.js';

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
