// The benchmark suite: `pnpm bench` (full) or `pnpm bench:quick` (small
// counts, for CI). Prints a table per case and writes the figures as JSON to
// bench/results/<timestamp>.json and bench/results/latest.json, the tables
// as Markdown to bench/results/latest.md, and two SVG charts (the full run
// to docs/images/, the quick run beside its JSON).
//
//   tsx run.ts [--quick] [--only memory,latency,edit,calls,canary,http,scale,releases,cluster] [--out DIR] [--charts DIR]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, release as osRelease, totalmem, type as osType } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { calls } from './cases/calls.js';
import { canary } from './cases/canary.js';
import { cluster } from './cases/cluster.js';
import { edit } from './cases/edit.js';
import { http, PERCENTILES, type HttpScenario } from './cases/http.js';
import { latency } from './cases/latency.js';
import { memory, type MemoryRow } from './cases/memory.js';
import { releases } from './cases/releases.js';
import { scale } from './cases/scale.js';
import { lineChart } from './lib/chart.js';
import { markdownTable, targetsTable, textTable, type CaseContext, type CaseResult, type TargetCheck } from './lib/report.js';
import { BENCH_DIR, compileProcs, reason } from './lib/spawn.js';

const CASES: Record<string, (ctx: CaseContext) => Promise<CaseResult>> = { memory, latency, edit, calls, canary, http, scale, releases, cluster };

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    charts: { type: 'string' },
  },
});
const quick = values.quick === true;
const only = values.only === undefined ? Object.keys(CASES) : values.only.split(',').map((s) => s.trim());
for (const name of only) if (!(name in CASES)) throw new Error(`unknown case "${name}"; the cases are ${Object.keys(CASES).join(', ')}`);
const outDir = resolve(values.out ?? join(BENCH_DIR, 'results'));
const chartDir = resolve(values.charts ?? (quick ? outDir : join(BENCH_DIR, '..', 'docs', 'images')));

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const startedAt = new Date();
  const loadBefore = loadavg()[0] ?? 0;
  log(`hotswap benchmarks${quick ? ' (quick mode: small counts, figures not comparable)' : ''}: ${only.join(', ')}`);
  await compileProcs();
  const results: CaseResult[] = [];
  const failures: Array<{ name: string; error: string }> = [];
  for (const name of only) {
    const t = performance.now();
    log(`\n[${name}] …`);
    try {
      const result = await CASES[name]!({ quick, log });
      result.durationMs = Math.round(performance.now() - t);
      results.push(result);
      for (const table of result.tables) log(`\n${textTable(table)}`);
      log(`[${name}] ${(result.durationMs / 1000).toFixed(1)} s`);
    } catch (error) {
      log(`[${name}] FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      failures.push({ name, error: reason(error) });
    }
  }
  const targets: TargetCheck[] = results.flatMap((r) => r.targets);
  const durationMs = Math.round(performance.now() - started);
  const cpu = cpus();
  const meta = {
    date: startedAt.toISOString(),
    quick,
    cases: only,
    durationMs,
    command: quick ? 'pnpm bench:quick' : 'pnpm bench',
    node: process.version,
    v8: process.versions.v8,
    os: `${osType()} ${osRelease()} ${arch()}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGB: Math.round(totalmem() / 2 ** 30),
    /** The 1-minute load average before and after the run: other work on the machine skews timings. */
    loadAverage: { before: Math.round(loadBefore * 100) / 100, after: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    versions: {
      vite: version('vite'),
      dynohot: version('dynohot'),
      autocannon: version('autocannon'),
      esbuild: version('esbuild'),
    },
  };
  const json = {
    meta,
    cases: Object.fromEntries(results.map((r) => [r.name, { title: r.title, durationMs: r.durationMs, tables: r.tables, data: r.data }])),
    targets,
    failures,
  };

  // The tables, together, on stdout.
  const allTables = [...results.flatMap((r) => r.tables), targetsTable(targets)];
  process.stdout.write(`\n${allTables.map(textTable).join('\n\n')}\n`);
  process.stdout.write(
    `\n${meta.cpus} × ${meta.cpuModel}, ${meta.memoryGB} GB, Node ${meta.node}, ${meta.os}; load average ${meta.loadAverage.before} before, ${meta.loadAverage.after} after; ${(durationMs / 1000).toFixed(0)} s in all${quick ? ' (quick mode)' : ''}\n`,
  );

  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const body = `${JSON.stringify(json, null, 2)}\n`;
  writeFileSync(join(outDir, `${stamp}${quick ? '-quick' : ''}.json`), body);
  writeFileSync(join(outDir, 'latest.json'), body);
  const md = [
    `Run of ${meta.date}: \`${meta.command}\`, ${meta.cpus} × ${meta.cpuModel}, ${meta.memoryGB} GB, Node ${meta.node}, ${meta.os}; load average ${meta.loadAverage.before} before, ${meta.loadAverage.after} after; ${Math.round(durationMs / 1000)} s.`,
    ...allTables.map(markdownTable),
  ].join('\n\n');
  writeFileSync(join(outDir, 'latest.md'), `${md}\n`);

  mkdirSync(chartDir, { recursive: true });
  const charts = writeCharts(results, chartDir, meta);
  log(`\nwrote ${relative(process.cwd(), join(outDir, 'latest.json'))}, ${relative(process.cwd(), join(outDir, 'latest.md'))}${charts.map((c) => `, ${relative(process.cwd(), c)}`).join('')}`);
  if (failures.length > 0) {
    log(`${failures.length} case(s) failed: ${failures.map((f) => f.name).join(', ')}`);
    return 1;
  }
  return 0;
}

function writeCharts(results: CaseResult[], dir: string, meta: { cpus: number; node: string; quick: boolean }): string[] {
  const written: string[] = [];
  const where = `${meta.cpus} cores, Node ${meta.node}${meta.quick ? ', quick mode' : ''}`;
  const mem = results.find((r) => r.name === 'memory') as (CaseResult & { rows: MemoryRow[] }) | undefined;
  if (mem !== undefined) {
    const ok = mem.rows.filter((r): r is Extract<MemoryRow, { ok: true }> => r.ok);
    const reloads = ok[0]?.result.reloads ?? 0;
    const file = join(dir, 'bench-memory.svg');
    writeFileSync(
      file,
      lineChart({
        title: `Heap after collection over ${reloads} reloads of a plugin holding 1 MiB`,
        subtitle: where,
        xLabel: 'reloads',
        yLabel: 'heap used after GC, MB',
        yLog: true,
        series: ok.map((r) => ({
          name: r.label,
          points: r.result.series.map((s) => [s.reload, s.heapMB] as const),
          markers: true,
          // import() and require grow alike and would hide each other.
          dashed: r.key === 'require',
        })),
      }),
    );
    written.push(file);
  }
  const web = results.find((r) => r.name === 'http') as (CaseResult & { scenarios: HttpScenario[] }) | undefined;
  if (web !== undefined) {
    const file = join(dir, 'bench-http-latency.svg');
    const ticks = PERCENTILES.map(([k], i) => [i, k] as const);
    writeFileSync(
      file,
      lineChart({
        title: `Latency under load (autocannon, ${web.scenarios[0]?.connections ?? 0} connections, loopback)`,
        subtitle: where,
        xLabel: 'percentile',
        yLabel: 'response time, ms',
        yLog: true,
        xTicks: ticks,
        series: web.scenarios.filter((s) => s.server === 'node:http' && (s.mode.leakCheck ?? 'off') === 'off').map((s) => ({
          name: s.key,
          points: PERCENTILES.map(([k], i) => [i, s.latency[k] ?? Number.NaN] as const),
          markers: true,
          dashed: s.mode.handler === 'direct',
        })),
      }),
    );
    written.push(file);
  }
  return written;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
