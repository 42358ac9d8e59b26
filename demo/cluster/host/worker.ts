// A worker: joins the cluster (so it loads exactly the committed release),
// serves HTTP on the shared port, and prints a heartbeat naming itself and
// the build it serves.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { joinCluster, Swapper } from '@hotswap/core';
import type { ClusterContract } from '#g';
import { logger, onShutdown, say, settings } from '../../kit/index.ts';
const g = await import('#g');

const id = cluster.worker?.id ?? 0;
const swapper = new Swapper<ClusterContract>({ pluginDir: `${settings.pluginDir}/current`, shared: { '#g': g }, freeDelay: settings.freeDelayMs, logger });
const participant = await joinCluster(swapper, {});
const greeter = swapper.handle('greeter');
say(`[w${id}] serving release ${participant.release.id}`);

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`${greeter.invoke('greet', id)} (release ${participant.release.id})\n`);
});
server.listen(Number(process.env['DEMO_PORT'] ?? 8080), '127.0.0.1', () => {
  const address = server.address();
  say(`[w${id}] listening on http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : '?'}/`);
});

const heartbeat = setInterval(() => say(`[w${id}] ${greeter.invoke('greet', id)} (release ${participant.release.id})`), settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  participant.stop();
  server.close();
  await swapper.close();
});
