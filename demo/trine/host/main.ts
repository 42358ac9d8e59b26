// The trine host: every heartbeat calls gamma's pulse, which calls beta,
// which calls alpha. `./reload.sh alpha` rebuilds alpha alone; the swapper
// re-links beta and gamma, so the next pulse reaches the new alpha.
import { Swapper } from '@hotswap/core';
import type { TrineContract } from '#contract';
import { logger, onShutdown, reloadWhenSignalled, say, settings } from '../../kit/index.ts';
// The shared module, the one instance the host and its plugins see.
const g = await import('#g');

const swapper = new Swapper<TrineContract>({ pluginDir: settings.pluginDir, shared: { '#g': g }, freeDelay: settings.freeDelayMs, logger });
await swapper.load();
const trigger = reloadWhenSignalled(swapper);

const gamma = swapper.handle('gamma');
const heartbeat = setInterval(() => {
  say('[host] heartbeat: gamma.pulse()');
  say(`[host] pulse answered: ${gamma.invoke('pulse')}`);
}, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  trigger.stop();
  await swapper.close();
});
