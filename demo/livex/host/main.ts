// The livex host: a job queue ticks every 50 ms and hands each due job to
// the extension's onJob (filled by guardian). The heartbeat asks guardian
// for a roll call or a fire job in turn. Reload between queueing and
// handling, and the job runs the new version's code.
import { Swapper } from '@hotswap/core';
import type { LivexContract } from '#g';
import { logger, onShutdown, reloadWhenSignalled, say, settings } from '../../kit/index.ts';
// The shared module, the one instance the host and its plugins see.
const g = await import('#g');

const swapper = new Swapper<LivexContract>({
  pluginDir: settings.pluginDir,
  shared: { '#g': g },
  freeDelay: settings.freeDelayMs,
  logger,
  extension: () => ({ onJob: undefined }),
});
await swapper.load();
const trigger = reloadWhenSignalled(swapper);

const queue = setInterval(() => {
  const now = Date.now();
  for (let i = 0; i < g.jobs.length; ) {
    const job = g.jobs[i]!;
    if (job.due > now) {
      i++;
      continue;
    }
    g.jobs.splice(i, 1);
    try {
      const { onJob } = swapper.current.vault.extension;
      if (onJob === undefined) say(`[host] no plugin handles jobs; dropped ${job.name}`);
      else onJob(job);
    } catch (error) {
      say(`[host] job ${job.name} failed: ${String(error)}`);
    }
  }
}, 50);

const guardian = swapper.handle('guardian');
let beat = 0;
const heartbeat = setInterval(() => {
  guardian.invoke(beat++ % 2 === 0 ? 'MakeRollCall' : 'Fire');
}, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  clearInterval(queue);
  trigger.stop();
  await swapper.close();
});
