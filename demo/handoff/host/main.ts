// The handoff host: every heartbeat some users visit and the store prints
// its summary. The store's state lives in the plugin, yet survives every
// reload: each version hands it to the next, which converts its shape.
import { Swapper } from '@hotswap/core';
import type { HandoffContract } from '#g';
import { logger, onShutdown, reloadWhenSignalled, say, settings } from '../../kit/index.ts';
// The shared module, the one instance the host and its plugins see.
const g = await import('#g');

const swapper = new Swapper<HandoffContract>({ pluginDir: settings.pluginDir, shared: { '#g': g }, freeDelay: settings.freeDelayMs, logger });
await swapper.load();
const sessions = swapper.handle('sessions');
const trigger = reloadWhenSignalled(swapper);

const people: Array<[string, string]> = [['ann', 'Ann Lee'], ['bo', 'Bo Van Dam'], ['cy', 'Cy Young']];
let visits = 0;
const heartbeat = setInterval(() => {
  const [id, name] = people[visits % people.length]!;
  sessions.invoke('visit', id, name);
  visits++;
  const version = swapper.current.find('sessions')?.version ?? '?';
  say(`[host] visits made ${visits}, store ${version} counts ${sessions.invoke('total')}: ${sessions.invoke('summary')}`);
}, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  trigger.stop();
  await swapper.close();
});
