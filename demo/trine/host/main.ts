// The trine host: every heartbeat calls gamma's pulse, which calls beta,
// which calls alpha. `./reload.sh alpha` rebuilds alpha alone; the swapper
// re-links beta and gamma, so the next pulse reaches the new alpha.
import { Swapper } from '@hotswap/core';
import * as g from '#g';
import { logger, onShutdown, reloadOnUsr1, say, settings } from '../../kit/index.ts';

const swapper = new Swapper({ pluginDir: settings.pluginDir, shared: { '#g': g }, freeDelay: settings.freeDelayMs, logger });
await swapper.load(undefined);
const trigger = reloadOnUsr1(swapper);

const heartbeat = setInterval(() => {
  say('[host] heartbeat: gamma.pulse()');
  say(`[host] pulse answered: ${String(swapper.current.invoke('gamma', 'pulse'))}`);
}, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  trigger.stop();
  await swapper.close();
});
