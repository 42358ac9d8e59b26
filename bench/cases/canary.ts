// The canary case: what a call costs with no canary, while one runs, and
// after one was promoted, beside a direct call.
import { CANARY_ROWS, type CanaryConfig, type CanaryRow } from '../lib/canary-rows.js';
import { fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { runProc } from '../lib/spawn.js';

export async function canary(ctx: CaseContext): Promise<CaseResult> {
  const base: Omit<CanaryConfig, 'row'> = ctx.quick ? { calls: 200_000, rounds: 3 } : { calls: 5_000_000, rounds: 7 };
  const rows: CanaryRow[] = [];
  for (const row of CANARY_ROWS) rows.push(await runProc<CanaryRow>('canary', { ...base, row }, { timeoutMs: 10 * 60_000 }));
  const ns = (key: string): number => rows.find((r) => r.key === key)?.ns ?? Number.NaN;
  const direct = ns('direct');
  return {
    name: 'canary',
    title: '8. Canary calls',
    data: { config: base, rows },
    // The target on these two rows is judged in the calls case, which measures them again, interleaved.
    targets: [],
    tables: [
      {
        title: `8. Canary calls: ns per call of add(a, b) (best of ${base.rounds} rounds of ${base.calls.toLocaleString('en-US')} calls; each row in a fresh process)`,
        columns: ['call', 'ns/call', '× direct', 'calls counted by the canary'],
        rows: rows.map((r) => [r.key, fmt(r.ns, 1), `${fmt(r.ns / direct, 1)}×`, r.counted.toLocaleString('en-US')]),
        notes: [
          'canary running: weight 0.5, rules off (auto: false); every call picks a side and is counted; one in sixteen is timed (two clock reads and a histogram bucket).',
          'current.invoke: swapper.current read per call, which is one pick while a canary runs.',
        ],
      },
    ],
  };
}
