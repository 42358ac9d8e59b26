// Runs test/fixtures/cluster/host.ts: a real node:cluster primary with its
// workers, driven by commands on stdin, its events read from stdout.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMITTED_FILE, type ClusterReloadResult } from '@hotswap/core';
import { start, type Child } from './child.js';

import { activate } from '../fixtures/cluster/releases.js';

export { activate, releaseDir, restamp, seal } from '../fixtures/cluster/releases.js';

/** What a worker answers to `ask`. */
export interface Answer {
  worker: number;
  release: string;
  stamp: string;
  generation: number;
}

/** What a worker's local reload ended with: what it serves then, or the reload's error. */
export type Local = Answer | { worker: number; error: { code?: string; message: string } };

/** An aborted cluster reload as the host prints it. */
export interface Aborted {
  code: string;
  message: string;
  details: { reason: string; release: string; workers: Array<{ worker: number; outcome: string; error?: { code: string; message: string } }> };
}

export interface ClusterHost {
  child: Child;
  send(line: string): void;
  /** The JSON of the next `<who> <event>` line from line `from` on. */
  next<T>(who: string, event: string, from?: number, timeoutMs?: number): Promise<T>;
  /** Sends `reload` and waits for its outcome. */
  reload(): Promise<{ committed: ClusterReloadResult } | { aborted: Aborted }>;
  /** What every live worker serves now. */
  ask(): Promise<Answer[]>;
  /** Has `worker` reload its own swapper, as a local trigger would, and waits up to `timeoutMs` for the outcome. */
  local(worker: number, timeoutMs?: number): Promise<Local>;
  /** Waits until `count` workers are ready (from line `from` on). */
  ready(count: number, from?: number): Promise<Answer[]>;
  stop(): Promise<void>;
}

export const HOST = fileURLToPath(new URL('../fixtures/cluster/host.ts', import.meta.url));
export const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** A release root in a temporary directory: <root>/releases/. */
export function releaseRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'hotswap-cluster-'));
  mkdirSync(join(root, 'releases'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function clusterHost(root: string, env: Record<string, string> = {}): ClusterHost {
  const child = start(process.execPath, ['--import', 'tsx', HOST, root], { cwd: ROOT_DIR, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const next = async <T>(who: string, event: string, from = 0, timeoutMs = 30_000): Promise<T> => {
    const match = await child.waitFor(new RegExp(`^${escape(who)} ${escape(event)} (.*)$`), timeoutMs, from);
    return JSON.parse(match[1] ?? 'null') as T;
  };
  const send = (line: string): void => {
    child.process.stdin?.write(`${line}\n`);
  };
  return {
    child,
    send,
    next,
    async reload() {
      const from = child.lines.length;
      send('reload');
      const outcome = await child.waitFor(/^primary (committed|aborted) (.*)$/, 30_000, from);
      return outcome[1] === 'committed' ? { committed: JSON.parse(outcome[2]!) as ClusterReloadResult } : { aborted: JSON.parse(outcome[2]!) as Aborted };
    },
    async ask() {
      const from = child.lines.length;
      send('ask');
      return next<Answer[]>('primary', 'answers', from);
    },
    async local(worker, timeoutMs = 30_000) {
      const from = child.lines.length;
      send(`local ${worker}`);
      return next<Local>('primary', 'local', from, timeoutMs);
    },
    async ready(count, from = 0) {
      const seen = new Map<string, Answer>();
      for (let i = from; seen.size < count; ) {
        const match = await child.waitFor(/^(w\d+) ready (.*)$/, 60_000, i);
        const index = child.lines.indexOf(match[0], i);
        seen.set(match[1]!, JSON.parse(match[2]!) as Answer);
        i = index + 1;
      }
      return [...seen.values()];
    },
    async stop() {
      child.kill('SIGKILL');
      await child.exited;
    },
  };
}

/**
 * A new deployment in `root`: no committed release recorded, release A
 * active, a primary with `workers` workers started and every one ready.
 */
export async function freshDeployment(root: string, workers: number, env: Record<string, string> = {}): Promise<ClusterHost> {
  rmSync(join(root, COMMITTED_FILE), { recursive: true, force: true });
  activate(root, 'A');
  const host = clusterHost(root, { WORKERS: String(workers), ...env });
  await host.ready(workers);
  return host;
}
