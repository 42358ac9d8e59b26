// Case 4: call overhead, ns per call, in-flight tracking on (it always is).
import { ROWS } from '../lib/calls-rows.js';
import type { CallRow, CallsConfig } from '../procs/calls.js';
import { fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { runProc } from '../lib/spawn.js';

export async function calls(ctx: CaseContext): Promise<CaseResult> {
  const base: Omit<CallsConfig, 'row'> = ctx.quick
    ? { calls: 200_000, eachCalls: 5_000, rounds: 3, plugins: 10, reloads: 2 }
    : { calls: 5_000_000, eachCalls: 100_000, rounds: 7, plugins: 10, reloads: 8 };
  const rows: CallRow[] = [];
  for (const row of ROWS) rows.push(await runProc<CallRow>('calls', { ...base, row }, { timeoutMs: 10 * 60_000 }));
  const cfg = base;
  const result = { config: base, rows };
  const direct = result.rows.find((r) => r.key === 'direct')!;
  const handleRows = result.rows.filter((r) => r.key.startsWith('handle.'));
  const worst = Math.max(...handleRows.map((r) => r.fresh));
  const ratio = (ns: number): string => `${fmt(ns / direct.fresh, 1)}×`;
  return {
    name: 'calls',
    title: '4. Call overhead',
    data: result,
    targets: [
      {
        target: 'typed handle within 3× a direct call',
        measured: handleRows.map((r) => `${r.key} ${fmt(r.fresh, 1)} ns = ${ratio(r.fresh)}`).join('; '),
        met: worst <= 3 * direct.fresh,
      },
    ],
    tables: [
      {
        title: `4. Call overhead: ns per call of add(a, b), in-flight tracking on (best of ${cfg.rounds} rounds of ${cfg.calls.toLocaleString('en-US')} calls; each row in a fresh process)`,
        columns: ['call', 'ns/call, first version', `ns/call, after ${cfg.reloads} reloads`, '× direct (first version)'],
        rows: [
          ...result.rows.map((r) => [r.key, fmt(r.fresh, 1), fmt(r.reloaded, 1), ratio(r.fresh)]),
        ],
        notes: [
          'direct: a plain function in the host, which V8 inlines into the loop.',
          `invokeEach: one awaited swapper.current.invokeEach('add', …) over ${cfg.plugins} plugins (${cfg.eachCalls.toLocaleString('en-US')} per round); ns per whole walk.`,
          'live function (held): the function from swapper.current.vault.liveFunc(name), fetched once per generation and called; (per call): fetched on every call.',
          'generation.invoke: swapper.current.invoke(plugin, name, ...params), the by-name path through InvokeFunc.',
        ],
      },
    ],
  };
}
