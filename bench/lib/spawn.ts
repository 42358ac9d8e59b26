// The parent's side of the child processes: compile them, run them, read
// their one JSON result line.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { RESULT_PREFIX } from './proc.js';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const PROCS = join(BENCH_DIR, 'procs');
const OUT = join(BENCH_DIR, '.build');

/**
 * Compiles every child entry under procs/ to plain ES modules in .build/, so
 * that each child runs on bare Node: no TypeScript loader hook sits between
 * the contenders and Node's own module loading. Packages stay external and
 * resolve from bench/node_modules.
 */
export async function compileProcs(): Promise<void> {
  const entries = readdirSync(PROCS)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(PROCS, f));
  await esbuild.build({
    entryPoints: entries,
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

/** The compiled path of child `name` (procs/<name>.ts). */
export const procPath = (name: string): string => join(OUT, `${name}.mjs`);

export interface RunOptions {
  /** Node flags before the script. */
  execArgv?: string[];
  /**
   * Run with `--expose-gc` (the memory case). Off for the timing cases: a
   * host is not normally run with it, and with it the swapper's leak check
   * forces a full collection for every version it checks.
   */
  exposeGc?: boolean;
  /** Kill the child after this long. Default 10 minutes. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Lines of the child's stderr to keep for the error message. */
  keepLines?: number;
}

/** Runs child `name` in a fresh `node` process and returns the JSON it emitted. */
export function runProc<T>(name: string, config: unknown, options: RunOptions = {}): Promise<T> {
  const args = [...(options.exposeGc === true ? ['--expose-gc'] : []), ...(options.execArgv ?? []), procPath(name), JSON.stringify(config)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: BENCH_DIR,
    env: options.env ?? process.env,
  });
  return collectResult<T>(child, name, options);
}

/** Starts child `name` with an IPC channel (for the HTTP server). */
export function forkProc(name: string, config: unknown, execArgv: string[] = []): ChildProcess {
  return fork(procPath(name), [JSON.stringify(config)], {
    execArgv,
    cwd: BENCH_DIR,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

function collectResult<T>(child: ChildProcess, name: string, options: RunOptions): Promise<T> {
  const keep = options.keepLines ?? 30;
  let stdout = '';
  const errLines: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    // Node's experimental-feature warnings (dynohot's loader draws one) say nothing about a failure.
    for (const line of d.split('\n')) if (line !== '' && !/ExperimentalWarning|--trace-warnings/.test(line)) errLines.push(line);
    if (errLines.length > keep * 4) errLines.splice(0, errLines.length - keep);
  });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: no result within ${options.timeoutMs ?? 600_000} ms`));
    }, options.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line !== undefined) {
        resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
        return;
      }
      const tail = errLines.slice(-keep).join('\n');
      reject(new Error(`${name} exited with ${code ?? signal}${line === undefined ? ' and no result' : ''}${tail === '' ? '' : `:\n${tail}`}`));
    });
  });
}

/** An error in a few lines, for a table cell: its message and the first lines of the child's stderr that are not stack frames. */
export function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .slice(0, 4)
    .join(' ')
    .slice(0, 400);
}
