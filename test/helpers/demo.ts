// Runs a demo's run.sh and reload.sh as child processes, with artifacts and
// the pid file in a temporary directory so a demo started by hand is left alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, type Child } from './child.js';

export interface Demo {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Starts run.sh. */
  run(): Child;
  /** Runs reload.sh with `args` and returns what it printed. */
  reload(...args: string[]): string;
  /** Kills what is still running and removes the temporary directory. */
  cleanup(): Promise<void>;
}

export function demo(name: string, settings: { intervalMs?: number; freeDelayMs?: number; env?: Record<string, string> } = {}): Demo {
  const dir = fileURLToPath(new URL(`../../demo/${name}/`, import.meta.url));
  const work = mkdtempSync(join(tmpdir(), `hotswap-${name}-`));
  const env = {
    ...process.env,
    DEMO_BIN: join(work, 'bin'),
    DEMO_PID_FILE: join(work, 'host.pid'),
    DEMO_INTERVAL_MS: String(settings.intervalMs ?? 300),
    DEMO_FREE_DELAY_MS: String(settings.freeDelayMs ?? 100),
    ...settings.env,
  };
  const children: Child[] = [];
  return {
    dir,
    env,
    run() {
      const child = start(join(dir, 'run.sh'), [], { cwd: dir, env });
      children.push(child);
      return child;
    },
    reload(...args) {
      return execFileSync(join(dir, 'reload.sh'), args, { cwd: dir, env, encoding: 'utf8' });
    },
    async cleanup() {
      for (const child of children) {
        child.kill('SIGKILL');
        await child.exited;
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** The build stamp that reload.sh printed. */
export function stampOf(output: string): string {
  const stamp = /stamp (\S+)/.exec(output)?.[1];
  if (stamp === undefined) throw new Error(`no build stamp in:\n${output}`);
  return stamp;
}
