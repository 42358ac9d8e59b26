// Case 3: edit to serving. A source file saved → the host serving the new code.
import { summed, type EditConfig, type EditResult } from '../lib/edit-loop.js';
import { count, fmt, type CaseContext, type CaseResult, type TargetCheck } from '../lib/report.js';
import { procPath, reason, runProc } from '../lib/spawn.js';
import { quantile } from '../lib/stats.js';

interface Contender {
  key: string;
  label: string;
  proc: string;
  execArgv?: string[];
  extra?: Record<string, unknown>;
  /** Each edit a burst of saves (EditConfig.burst), timed from the last. */
  burst?: boolean;
  how: string;
}

/** The burst variant: five saves 5 ms apart, as an editor's save followed by a formatter's and an auto-save's. */
const BURST = { saves: 5, gapMs: 5 };

const CONTENDERS: Contender[] = [
  {
    key: 'hotswap-watch',
    label: 'hotswap watch + watchPluginDir',
    proc: 'edit-watch',
    extra: { label: 'hotswap watch + watchPluginDir' },
    how: 'save .ts → `hotswap watch` (own process) rebuilds at once → host watchPluginDir reloads a lone change at once → call',
  },
  {
    key: 'hotswap-watch-fast',
    label: 'hotswap watch + watchPluginDir({ debounceMs: 5 })',
    proc: 'edit-watch',
    extra: { label: 'hotswap watch + watchPluginDir({ debounceMs: 5 })', hostDebounceMs: 5 },
    how: 'as above, the host burst window set to 5 ms (default 25 ms)',
  },
  {
    key: 'hotswap-watch-burst',
    label: 'hotswap watch + watchPluginDir, burst',
    proc: 'edit-watch',
    extra: { label: 'hotswap watch + watchPluginDir, burst' },
    burst: true,
    how: 'a burst of saves; from the last: `hotswap watch` builds again after the build running, the host ends the burst in one reload',
  },
  {
    key: 'hotswap',
    label: 'hotswap build()+reload()',
    proc: 'edit-ours',
    how: 'save .ts → build() (incremental cache) → swapper.reload() → call, in one process: no watcher, no debounce',
  },
  { key: 'vite', label: 'vite module runner (HMR)', proc: 'edit-vite', how: 'save .ts → Vite watcher → HMR update accepted → call' },
  { key: 'vite-burst', label: 'vite module runner (HMR), burst', proc: 'edit-vite', burst: true, how: 'the same burst of saves; from the last' },
  {
    key: 'dynohot',
    label: 'dynohot',
    proc: 'edit-dynohot',
    execArgv: ['--import', procPath('dynohot-register')],
    how: 'save .mjs → dynohot watcher (100 ms debounce) → update accepted → call',
  },
];

type Row = { key: string; label: string; how: string } & ({ ok: true; result: EditResult } | { ok: false; error: string });

/**
 * The `pct` percentile of the time to serving over every edit, a missed edit
 * counting as never served (Infinity): a tool that applied 3 edits of 50 has
 * no median time to serving, however fast those 3 were.
 */
export function served(r: EditResult, pct: 'p50' | 'p99'): number {
  const times = [...r.raw.times, ...Array<number>(r.missed).fill(Number.POSITIVE_INFINITY)];
  if (times.length === 0) return Number.POSITIVE_INFINITY;
  return quantile(times, pct === 'p50' ? 0.5 : 0.99);
}

export async function edit(ctx: CaseContext): Promise<CaseResult> {
  const cfg: EditConfig = ctx.quick
    ? { edits: 5, warmup: 1, gapMs: 100, timeoutMs: 3000 }
    : { edits: 50, warmup: 3, gapMs: 100, timeoutMs: 3000 };
  // The edits of each contender in rounds, every contender once per round: whatever the machine does over the
  // minutes of the case lands on all of them alike, not on whichever ran first or last.
  const rounds = ctx.quick ? 1 : 2;
  const done = new Map<string, { raw: EditResult['raw'][]; missed: number; error?: string }>();
  for (let round = 0; round < rounds; round++) {
    for (const c of CONTENDERS) {
      const acc = done.get(c.key) ?? { raw: [], missed: 0 };
      done.set(c.key, acc);
      if (acc.error !== undefined) continue;
      try {
        const result = await runProc<EditResult>(
          c.proc,
          { ...cfg, edits: Math.ceil(cfg.edits / rounds), ...c.extra, ...(c.burst === true ? { burst: BURST } : {}) },
          { execArgv: c.execArgv ?? [], timeoutMs: 5 * 60_000 },
        );
        acc.raw.push(result.raw);
        acc.missed += result.missed;
      } catch (error) {
        ctx.log(`  edit: ${c.label} failed: ${reason(error)}`);
        acc.error = reason(error);
      }
    }
  }
  const rows: Row[] = CONTENDERS.map((c) => {
    const acc = done.get(c.key)!;
    return acc.error !== undefined
      ? { key: c.key, label: c.label, how: c.how, ok: false, error: acc.error }
      : { key: c.key, label: c.label, how: c.how, ok: true, result: summed(c.label, acc.raw, acc.missed) };
  });
  const watch = rows.find((r) => r.key === 'hotswap-watch');
  const fast = rows.find((r) => r.key === 'hotswap-watch-fast');
  const vite = rows.find((r) => r.key === 'vite');
  const burst = rows.find((r) => r.key === 'hotswap-watch-burst');
  const viteBurst = rows.find((r) => r.key === 'vite-burst');
  type Pct = 'p50' | 'p99';
  const shown = (r: EditResult, pct: Pct): string => {
    const ms = served(r, pct);
    return Number.isFinite(ms) ? `${fmt(ms, 1)} ms` : `never (${count(r.missed)} of ${count(r.missed + r.ms.n)} missed)`;
  };
  const versus = (row: Row | undefined, other: Row | undefined, pct: Pct = 'p50'): string => {
    if (row?.ok !== true || other?.ok !== true) return 'a contender failed';
    const [a, b] = [served(row.result, pct), served(other.result, pct)];
    const ratio = Number.isFinite(a) && Number.isFinite(b) ? ` (${fmt(a / b, 2)}×)` : '';
    return `${shown(row.result, pct)} vs ${shown(other.result, pct)}${ratio}`;
  };
  /** Met when faster at `pct`, every edit counted (a missed one as never served), and no edit missed that the other applied. */
  const ahead = (row: Row | undefined, other: Row | undefined, pct: Pct): boolean | null => {
    if (row?.ok !== true || other?.ok !== true) return null;
    return served(row.result, pct) < served(other.result, pct) && row.result.missed <= other.result.missed;
  };
  const targets: TargetCheck[] = [
    {
      target: "edit → serving p50 (hotswap watch, defaults) no slower than Vite's module runner (same run)",
      measured: versus(watch, vite),
      met: watch?.ok === true && vite?.ok === true ? served(watch.result, 'p50') <= served(vite.result, 'p50') : null,
    },
    {
      target: "edit → serving p50 (hotswap watch, host debounce 5 ms) no slower than Vite's module runner",
      measured: versus(fast, vite),
      met: fast?.ok === true && vite?.ok === true ? served(fast.result, 'p50') <= served(vite.result, 'p50') : null,
    },
    {
      target: "edit → serving p50 (hotswap watch, defaults) faster than Vite's module runner, none missed",
      measured: versus(watch, vite, 'p50'),
      met: ahead(watch, vite, 'p50'),
    },
    {
      target: "edit → serving p99 (hotswap watch, defaults) faster than Vite's module runner, none missed",
      measured: versus(watch, vite, 'p99'),
      met: ahead(watch, vite, 'p99'),
    },
    {
      target: "burst: last save → serving p50 (hotswap watch, defaults) faster than Vite's module runner, none missed",
      measured: versus(burst, viteBurst, 'p50'),
      met: ahead(burst, viteBurst, 'p50'),
    },
    {
      target: "burst: last save → serving p99 (hotswap watch, defaults) faster than Vite's module runner, none missed",
      measured: versus(burst, viteBurst, 'p99'),
      met: ahead(burst, viteBurst, 'p99'),
    },
  ];
  const ours = rows.find((r) => r.key === 'hotswap');
  const split = ours?.ok === true ? ours.result.parts : undefined;
  return {
    name: 'edit',
    title: '3. Edit to serving',
    data: { config: cfg, contenders: rows },
    targets,
    tables: [
      {
        title: `3. Edit to serving: source saved → a call answers the new code (${cfg.edits} edits in ${rounds} round${rounds > 1 ? 's' : ''}, every contender once per round, ${cfg.gapMs} ms apart, same 1 MiB plugin)`,
        columns: ['contender', 'p50 ms', 'p99 ms', 'mean ms', 'edits', 'missed', 'how'],
        rows: rows.map((r) =>
          r.ok
            ? [r.label, fmt(r.result.ms.p50, 1), fmt(r.result.ms.p99, 1), fmt(r.result.ms.mean, 1), count(r.result.ms.n), count(r.result.missed), r.how]
            : [r.label, 'failed', '', '', '', '', r.error.slice(0, 120)],
        ),
        notes: [
          'hotswap watch runs as its own process, as a user runs it; the host reloads on the new artifact with watchPluginDir.',
          ...(split === undefined
            ? []
            : [
                `build()+reload() split, p50: save ${fmt(split['save']?.p50, 2)} ms, build() ${fmt(split['build']?.p50, 1)} ms, reload()+call ${fmt(split['reload']?.p50, 2)} ms, of which evaluating the bundle ${fmt(split['evaluate']?.p50, 2)} ms.`,
              ]),
          `burst rows: each edit is ${BURST.saves} saves ${BURST.gapMs} ms apart, timed from the last save to a call answering it.`,
          'missed = saves the tool did not apply within 3 s (not counted in the percentiles).',
        ],
      },
    ],
  };
}
