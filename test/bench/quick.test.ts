// The benchmark suite cannot rot: its quick mode (small counts) runs in a
// child process, exits 0, and writes its JSON with every case and every
// contender present. Nothing is asserted about times.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const out = mkdtempSync(join(tmpdir(), 'hotswap-bench-quick-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Row {
  key: string;
  ok: boolean;
  error?: string;
}
interface Results {
  meta: { quick: boolean; node: string; cpus: number };
  cases: Record<string, { tables: Array<{ rows: string[][] }>; data: Record<string, unknown> }>;
  targets: Array<{ target: string; measured: string }>;
  failures: unknown[];
}

// Asynchronous, so the test worker's event loop keeps answering vitest during the minute and a half the run takes.
function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve();
      else reject(new Error(`${args.join(' ')} exited with ${String(error.code ?? error.signal)}:\n${stdout}\n${stderr}`));
    });
  });
}

it('runs the benchmarks in quick mode and writes every case to JSON', async () => {
  // The bench runs against the packages' dist, as a user's host would.
  if (!existsSync(join(root, 'packages/core/dist/index.js')) || !existsSync(join(root, 'packages/cli/dist/index.js'))) {
    await run([tsc, '-b', 'packages/core', 'packages/cli']);
  }
  await run([tsc, '-p', 'bench']);
  await run(['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out, '--charts', out]);

  const results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as Results;
  expect(results.meta.quick).toBe(true);
  expect(results.failures).toEqual([]);
  expect(Object.keys(results.cases).sort()).toEqual(['calls', 'canary', 'cluster', 'edit', 'http', 'latency', 'memory', 'releases', 'scale']);
  for (const [name, c] of Object.entries(results.cases)) {
    expect(c.tables.length, name).toBeGreaterThan(0);
    expect(c.tables[0]!.rows.length, name).toBeGreaterThan(0);
  }
  const rows = (name: string): Row[] => results.cases[name]!.data['contenders'] as Row[];
  expect(rows('memory').map((r) => r.key)).toEqual(['hotswap', 'import', 'require', 'dynohot', 'vite']);
  expect(rows('edit').map((r) => r.key)).toEqual(['hotswap-watch', 'hotswap-watch-fast', 'hotswap-watch-burst', 'hotswap', 'vite', 'vite-burst', 'dynohot']);
  for (const row of [...rows('memory'), ...rows('edit')]) expect(row.error, row.key).toBeUndefined();
  const scenarios = (c: string, key: string): unknown[] => results.cases[c]!.data[key] as unknown[];
  expect(scenarios('latency', 'scenarios')).toHaveLength(4);
  // node:http: plain function, plugin, reloads, leak check; Fastify: plugins, reloads, leak check.
  const servers = (scenarios('http', 'scenarios') as Array<{ server: string }>).map((s) => s.server);
  expect(servers).toEqual(['node:http', 'node:http', 'node:http', 'node:http', 'fastify', 'fastify', 'fastify']);
  expect(scenarios('calls', 'rows')).toHaveLength(12);
  expect(scenarios('scale', 'results')).toHaveLength(3);
  expect((scenarios('scale', 'rootChange') as Array<{ change: string }>).map((r) => r.change)).toEqual(['root', 'leaf', 'root', 'leaf']);
  expect(results.cases['releases']!.data['result']).toMatchObject({ plugins: 20, deploys: 10 });
  expect(scenarios('canary', 'rows')).toHaveLength(7);
  expect(scenarios('cluster', 'runs')).toHaveLength(2);
  expect(results.targets.length).toBeGreaterThanOrEqual(6);
  for (const chart of ['bench-memory.svg', 'bench-http-latency.svg']) {
    expect(readFileSync(join(out, chart), 'utf8')).toMatch(/^<svg /);
  }
}, 300_000);
