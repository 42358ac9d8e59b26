// Case 1: memory per reload. Each contender reloads a plugin that holds
// 1 MiB, in its own fresh `node --expose-gc` process.
import type { MemoryConfig, MemoryResult } from '../lib/memory-loop.js';
import { count, fmt, type CaseContext, type CaseResult, type TargetCheck } from '../lib/report.js';
import { procPath, reason, runProc } from '../lib/spawn.js';
import { slope } from '../lib/stats.js';

interface Contender {
  key: string;
  label: string;
  proc: string;
  execArgv?: string[];
  how: string;
}

const CONTENDERS: Contender[] = [
  { key: 'hotswap', label: 'hotswap', proc: 'memory-ours', how: 're-stamped artifact + swapper.reload()' },
  { key: 'import', label: "import('?v=N')", proc: 'memory-import', how: 'cache-busting query' },
  { key: 'require', label: 'require + delete require.cache', proc: 'memory-require', how: 'cache entry deleted' },
  {
    key: 'dynohot',
    label: 'dynohot',
    proc: 'memory-dynohot',
    execArgv: ['--import', procPath('dynohot-register')],
    how: 'file saved, its watcher applies the update',
  },
  { key: 'vite', label: 'vite module runner', proc: 'memory-vite', how: 'file saved + environment.reloadModule (HMR)' },
];

export type MemoryRow = { key: string; label: string; how: string } & ({ ok: true; result: MemoryResult } | { ok: false; error: string });

/** Memory per reload against Vite's module runner, in this run: the whole heap, and the heap without JIT code. */
function againstVite(rows: readonly MemoryRow[], quick: boolean): TargetCheck[] {
  const ours = rows.find((r) => r.key === 'hotswap');
  const vite = rows.find((r) => r.key === 'vite');
  if (ours?.ok !== true || vite?.ok !== true) return [{ target: 'heap per reload ≤ Vite’s module runner, same run', measured: 'a contender failed', met: null }];
  const o = ours.result;
  const v = vite.result;
  const data = (r: MemoryResult): number => r.heapKBPerReload - r.codeKBPerReload;
  const os = steadyKBPerReload(o);
  const vs = steadyKBPerReload(v);
  const all = o.collected === o.oldVersions;
  const judge = (ok: boolean): boolean | null => (quick ? null : ok && all);
  return [
    {
      target: 'heap per reload ≤ Vite’s module runner, same run, every retired version collected',
      measured: `${fmt(o.heapKBPerReload, 2)} KB vs ${fmt(v.heapKBPerReload, 2)} KB; ${count(o.collected)} of ${count(o.oldVersions)} collected`,
      met: judge(o.heapKBPerReload <= v.heapKBPerReload),
    },
    {
      target: 'steady heap growth per reload (slope over the second half of the loop) ≤ Vite’s module runner, same run, every retired version collected',
      measured: `${fmt(os, 2)} KB vs ${fmt(vs, 2)} KB`,
      met: judge(os <= vs),
    },
    {
      target: 'heap per reload without JIT code ≤ Vite’s module runner, same run',
      measured: `${fmt(data(o), 2)} KB vs ${fmt(data(v), 2)} KB (JIT code ${fmt(o.codeKBPerReload, 2)} vs ${fmt(v.codeKBPerReload, 2)} KB)`,
      met: judge(data(o) <= data(v)),
    },
  ];
}

/**
 * KB per reload the heap grows by once the loop is under way: the
 * least-squares slope of the heap after full collections over the samples of
 * the second half of the loop. Unlike (after − before) / reloads it leaves out
 * what happens once (code compiled as the loop warms up; what V8 drops from
 * the start after a few hundred reloads, in every contender), and measures
 * what each reload keeps.
 */
export function steadyKBPerReload(r: MemoryResult): number {
  const half = r.reloads / 2;
  return slope(r.series.filter((s) => s.reload >= half).map((s) => ({ x: s.reload, y: s.heapMB * 1024 })));
}

export async function memory(ctx: CaseContext): Promise<CaseResult & { rows: MemoryRow[] }> {
  const cfg: MemoryConfig = ctx.quick ? { reloads: 30, warmup: 3, sampleEvery: 10 } : { reloads: 1000, warmup: 20, sampleEvery: 50 };
  const run = async (c: Contender): Promise<MemoryRow> => {
    const started = performance.now();
    try {
      const result = await runProc<MemoryResult>(c.proc, cfg, { execArgv: c.execArgv ?? [], exposeGc: true, timeoutMs: 15 * 60_000 });
      ctx.log(`  memory: ${c.label} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return { key: c.key, label: c.label, how: c.how, ok: true, result };
    } catch (error) {
      ctx.log(`  memory: ${c.label} failed: ${reason(error)}`);
      return { key: c.key, label: c.label, how: c.how, ok: false, error: reason(error) };
    }
  };
  // dynohot applies a file change after a 100 ms debounce, so its 1000 reloads
  // take minutes of mostly idle waiting: it runs beside the others. Only memory
  // is compared here, which another process on the other core does not change.
  const slow = CONTENDERS.filter((c) => c.key === 'dynohot').map(run);
  const rows: MemoryRow[] = [];
  for (const c of CONTENDERS.filter((c) => c.key !== 'dynohot')) rows.push(await run(c));
  rows.push(...(await Promise.all(slow)));
  rows.sort((a, b) => CONTENDERS.findIndex((c) => c.key === a.key) - CONTENDERS.findIndex((c) => c.key === b.key));

  const ours = rows.find((r) => r.key === 'hotswap');
  const targets: TargetCheck[] = [
    {
      target: 'heap per reload ≤ 0.5 KB (1 MiB plugin)',
      measured: ours?.ok === true ? `${fmt(ours.result.heapKBPerReload, 2)} KB` : 'failed',
      met: ours?.ok === true ? ours.result.heapKBPerReload <= 0.5 : false,
    },
    ...againstVite(rows, ctx.quick),
  ];
  return {
    name: 'memory',
    title: `1. Memory per reload (${cfg.reloads} reloads of a plugin holding 1 MiB, after ${cfg.warmup} warm-up reloads)`,
    rows,
    data: { config: cfg, contenders: rows },
    targets,
    tables: [
      {
        title: `1. Memory per reload: ${cfg.reloads} reloads of a plugin holding 1 MiB, fresh process each, --expose-gc`,
        columns: ['contender', 'heap KB/reload', 'of it JIT code KB/reload', 'steady growth KB/reload', 'RSS KB/reload', 'old versions collected', 'heap after GC, MB (before → after)', 'reload p50 ms'],
        rows: rows.map((r) =>
          r.ok
            ? [
                r.label,
                fmt(r.result.heapKBPerReload, 2),
                fmt(r.result.codeKBPerReload, 2),
                fmt(steadyKBPerReload(r.result), 2),
                fmt(r.result.rssKBPerReload, 1),
                `${count(r.result.collected)} of ${count(r.result.oldVersions)}`,
                `${fmt(r.result.heapBeforeMB, 1)} → ${fmt(r.result.heapAfterMB, 1)}`,
                fmt(r.result.reloadMs.p50, 2),
              ]
            : [r.label, 'failed', '', '', '', '', r.error.slice(0, 120), ''],
        ),
        notes: [
          ...rows.flatMap((r) =>
            r.ok && (r.result.resaved ?? 0) > 0
              ? [`${r.label}: its watcher missed ${r.result.resaved} of ${r.result.reloads + r.result.warmup} saves within 5 s; each was saved again (its time counts).`]
              : [],
          ),
          'heap and RSS are read after forced full collections; KB/reload = (after − before) / reloads.',
          'steady growth = the least-squares slope of the heap over the samples of the second half of the loop (one every 50 reloads): what each reload keeps once the loop is under way, without what happens once (warm-up, and what V8 drops from the start a few hundred reloads in, in every contender).',
          'JIT code = the growth of V8’s code space: machine code compiled for hot functions of the host, the tool and Node as the loop warms them up; no version holds it.',
          'collected = versions whose 1 MiB payload was finalized, of all versions replaced (warm-up included).',
          'reload p50 = writing the new version to serving it (dynohot waits its 100 ms watcher debounce; it ran beside the others).',
        ],
      },
    ],
  };
}
