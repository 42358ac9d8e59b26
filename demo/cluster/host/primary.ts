// The primary: forks the workers (and a new one for each that exits), runs
// the coordinator, and starts a cluster reload on SIGUSR2.
import cluster from 'node:cluster';
import { createCoordinator, reloadOnSignal } from '@hotswap/core';
import { announceReloads, logger, onShutdown, say, settings } from '../../kit/index.ts';

const workers = Number(process.env['DEMO_WORKERS'] ?? 4);
const coordinator = createCoordinator({ releaseRoot: settings.pluginDir, logger });
let stopping = false;
cluster.on('exit', (worker, code, signal) => {
  if (stopping) return;
  say(`[primary] worker ${worker.id} exited (${signal ?? code}); starting another, which loads release ${coordinator.committed?.id ?? '?'}`);
  cluster.fork();
});
for (let i = 0; i < workers; i++) cluster.fork();

const onReload = announceReloads(coordinator);
const trigger = reloadOnSignal(coordinator, {
  pidFile: settings.pidFile,
  onReload: (outcome) => {
    if ('details' in outcome && 'skewMs' in outcome.details && typeof outcome.details.skewMs === 'number') {
      say(`[primary] cluster reload to release ${coordinator.committed?.id ?? '?'}: every worker swapped within ${outcome.details.skewMs.toFixed(2)} ms`);
    }
    onReload(outcome);
  },
});
say(`[primary] pid ${process.pid} written to ${settings.pidFile}; ${workers} workers; send SIGUSR2 to reload the cluster`);

onShutdown(async () => {
  stopping = true;
  trigger.stop();
  coordinator.close();
  await Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker === undefined) return resolve();
          worker.once('exit', () => resolve());
          worker.process.kill('SIGTERM');
        }),
    ),
  );
});
