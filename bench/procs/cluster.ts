// The cluster case's child: a node:cluster primary with four workers serving
// HTTP from one plugin (a counter kept in plugin state), under autocannon,
// through one change of code done in one of two ways:
//   transaction  a cluster reload (createCoordinator/joinCluster): prepared
//                everywhere, then swapped everywhere
//   rolling      what PM2's reload does: fork a new worker on the new code,
//                wait until it listens, stop an old one (SIGINT, the graceful
//                shutdown PM2's docs show, SIGKILL after kill_timeout 1600 ms)
// Then, in transaction mode, more cluster reloads for the skew's spread.
import cluster, { type Worker } from 'node:cluster';
import { mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createCoordinator, decodeArtifact, encodeArtifact, joinCluster, Swapper } from '@hotswap/core';
import { config, runChild } from '../lib/proc.js';
import { sealRelease } from '../lib/restamp.js';

export interface ClusterConfig {
  mode: 'transaction' | 'rolling';
  /** The release root, with releases/v0 built and current pointing at it. */
  root: string;
  workers: number;
  /** Seconds of load before the change, and again after it ends. */
  seconds: number;
  connections: number;
  /** Cluster reloads after the load, for the skew's p50 and p99 (transaction mode). */
  skewReloads: number;
}

export interface ClusterRun {
  mode: ClusterConfig['mode'];
  /** From the start of the change until every worker serves the new code (the acknowledged commit; the last old worker gone). */
  changeMs: number;
  /** From the start of the change until the last response from the old code. */
  lastOldResponseMs: number;
  requests: number;
  /** Requests that failed in all: errors, timeouts and non-2xx. */
  failed: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Per worker serving the new code, the counter in its first response from it. */
  firstNewCounts: number[];
  /** The highest counter seen before the change. */
  countBefore: number;
  /** Whether the counter carried on across the change in every worker. */
  counterSurvived: boolean;
  /** The change's skew, and that of every later cluster reload (transaction mode). */
  skewMs: number[];
}

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes release `id`: the artifacts of v0 with build stamp `id`, then activates it. */
function release(root: string, id: string): string {
  const from = join(root, 'releases', 'v0');
  const dir = join(root, 'releases', id);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(from).filter((n) => n.endsWith('.hotswap.js'))) {
    const artifact = decodeArtifact(readFileSync(join(from, name), 'utf8'), name);
    const { hash: _hash, format: _format, ...manifest } = artifact.manifest;
    writeFileSync(join(dir, name), encodeArtifact({ ...manifest, buildStamp: id }, artifact.code).text);
  }
  sealRelease(dir, id);
  const temp = join(root, `.current.${process.pid}`);
  symlinkSync(join('releases', id), temp);
  renameSync(temp, join(root, 'current'));
  return dir;
}

async function primary(cfg: ClusterConfig): Promise<ClusterRun> {
  const coordinator = cfg.mode === 'transaction' ? createCoordinator({ releaseRoot: cfg.root, logger: false }) : undefined;
  const listening = (worker: Worker): Promise<void> => new Promise((resolve) => worker.once('listening', () => resolve()));
  const fork = (dir: string): Worker => cluster.fork({ BENCH_MODE: cfg.mode, BENCH_ROOT: cfg.root, BENCH_DIR: dir });
  let workers = Array.from({ length: cfg.workers }, () => fork(join(cfg.root, 'releases', 'v0')));
  await Promise.all(workers.map(listening));
  const port = Number(process.env['BENCH_PORT']);

  const responses: Array<{ at: number; stamp: string; count: number; worker: string }> = [];
  let instance: autocannon.Instance | undefined;
  const load = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `http://127.0.0.1:${port}/`,
        connections: cfg.connections,
        // Stopped once the change is over and the new code has served a while.
        duration: 600,
        requests: [
          {
            onResponse: (_status, body) => {
              const [stamp = '', count = '0', worker = ''] = body.split(' ');
              responses.push({ at: now(), stamp, count: Number(count), worker });
            },
          },
        ],
      },
      (error: Error | null, result) => (error === null ? resolve(result) : reject(error)),
    );
  });
  await sleep(cfg.seconds * 1000);
  const started = now();
  const skewMs: number[] = [];
  const dir = release(cfg.root, 'v1');
  if (coordinator !== undefined) {
    skewMs.push((await coordinator.reload()).skewMs);
  } else {
    // PM2's reload, worker by worker: a new one up and listening, then an old one stopped.
    const next: Worker[] = [];
    for (const old of workers) {
      const fresh = fork(dir);
      await listening(fresh);
      next.push(fresh);
      const exited = new Promise<void>((resolve) => old.once('exit', () => resolve()));
      old.process.kill('SIGINT');
      const killer = setTimeout(() => old.process.kill('SIGKILL'), 1600);
      await exited;
      clearTimeout(killer);
    }
    workers = next;
  }
  const changeMs = now() - started;
  await sleep(cfg.seconds * 1000);
  instance?.stop();
  const result = await load;

  const before = responses.filter((r) => r.at < started && r.stamp === 'v0');
  const firstNew = new Map<string, number>();
  for (const r of responses) if (r.stamp === 'v1' && !firstNew.has(r.worker)) firstNew.set(r.worker, r.count);
  // Folds, not Math.max(...): a run keeps a response record per request, far more than a spread may pass.
  const lastOld = responses.reduce((last, r) => (r.stamp === 'v0' && r.at > last ? r.at : last), started);
  const countBefore = before.reduce((most, r) => (r.count > most ? r.count : most), 0);
  for (let i = 0; coordinator !== undefined && i < cfg.skewReloads; i++) {
    release(cfg.root, `v${i + 2}`);
    skewMs.push((await coordinator.reload()).skewMs);
  }
  for (const w of workers) w.process.kill('SIGKILL');
  return {
    mode: cfg.mode,
    changeMs,
    lastOldResponseMs: lastOld - started,
    requests: result.requests.total,
    failed: result.errors + result.timeouts + result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    firstNewCounts: [...firstNew.values()],
    countBefore,
    counterSurvived: firstNew.size > 0 && [...firstNew.values()].every((c) => c > 1),
    skewMs,
  };
}

async function worker(): Promise<void> {
  const id = cluster.worker?.id ?? 0;
  const mode = process.env['BENCH_MODE'];
  const root = process.env['BENCH_ROOT'] ?? '';
  const swapper = new Swapper({ pluginDir: mode === 'transaction' ? join(root, 'current') : (process.env['BENCH_DIR'] ?? ''), logger: false, freeDelay: 0, leakTimeout: false });
  if (mode === 'transaction') await joinCluster(swapper, {});
  else await swapper.load();
  const server = createServer((_req, res) => {
    const line = swapper.current.invoke('counter', 'hit') as string;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${line} w${id}`);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env['BENCH_PORT']), '127.0.0.1');
  // The graceful shutdown PM2's documentation shows: stop accepting, exit once the open connections are done.
  process.once('SIGINT', () => server.close(() => process.exit(0)));
}

if (cluster.isPrimary) {
  const cfg = config<ClusterConfig>();
  process.env['BENCH_PORT'] = String(20000 + Math.floor(Math.random() * 20000));
  runChild(() => primary(cfg));
} else {
  void worker();
}
