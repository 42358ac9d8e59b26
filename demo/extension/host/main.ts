// The extension host: the vault's extension object is the host's own type,
// made afresh for each generation; plugin cat fills its `meow` in OnInit
// and the host calls it on every heartbeat.
import { Swapper } from '@hotswap/core';
import type { ExtensionContract } from '#g';
import { logger, onShutdown, reloadWhenSignalled, say, settings } from '../../kit/index.ts';
// The shared module, the one instance the host and its plugins see.
const g = await import('#g');

const swapper = new Swapper<ExtensionContract>({
  pluginDir: settings.pluginDir,
  shared: { '#g': g },
  freeDelay: settings.freeDelayMs,
  logger,
  extension: () => ({ meow: undefined }),
});
await swapper.load();
const trigger = reloadWhenSignalled(swapper);

const heartbeat = setInterval(() => {
  const { meow } = swapper.current.vault.extension;
  if (meow === undefined) say('[host] no plugin filled meow');
  else meow(1 + Math.floor(Math.random() * 3));
}, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  trigger.stop();
  await swapper.close();
});
