// The hello host: loads the plugins, asks each to hum every few seconds,
// reloads on SIGUSR2 and shuts down cleanly on SIGTERM or SIGINT.
import { Swapper } from '@hotswap/core';
import type { HelloContract } from '#g';
import { logger, onShutdown, reloadWhenSignalled, say, settings } from '../../kit/index.ts';
// The shared module, the one instance the host and its plugins see.
const g = await import('#g');

const swapper = new Swapper<HelloContract>({
  pluginDir: settings.pluginDir,
  shared: { '#g': g },
  freeDelay: settings.freeDelayMs,
  logger,
});
swapper.on('version:free', (e) => say(`[host] ${e.plugin} ${e.version} (build ${e.buildStamp}) got OnFree`));

await swapper.load({ startedAt: new Date().toISOString() });
const trigger = reloadWhenSignalled(swapper);

// The heartbeat: every plugin that offers `hum` hums a random number of times.
const hum = (): void => {
  const repeat = 1 + Math.floor(Math.random() * 3);
  swapper.current.invokeEach('hum', repeat).catch((e: unknown) => say(`[host] hum failed: ${String(e)}`));
};
hum();
const heartbeat = setInterval(hum, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  trigger.stop();
  await swapper.close();
});
