// The slink host: runs plugin dog from its artifact, or, with --static,
// compiled into the host from static/hotswap.static-plugins.ts (written by
// `hotswap build --static-linking`). It reloads when the signal file
// appears — a trigger that needs no Unix signals — and barks every heartbeat
// through the vault's extension.
import { reloadOnSignalFile, Swapper } from '@hotswap/core';
import type { SlinkContract } from '#g';
import { announceReloads, logger, onShutdown, say, settings } from '../../kit/index.ts';
// The shared module, the one instance the host and its plugins see.
const g = await import('#g');

const linkStatically = process.argv.includes('--static');
const signalFile = process.env['DEMO_SIGNAL_FILE'] ?? '.run/reload.signal';
const common = { shared: { '#g': g }, freeDelay: settings.freeDelayMs, logger, extension: () => ({ bark: undefined }) };
const swapper = linkStatically
  ? new Swapper<SlinkContract>({ ...common, staticPlugins: (await import('../static/hotswap.static-plugins.js')).staticPlugins })
  : new Swapper<SlinkContract>({ ...common, pluginDir: settings.pluginDir });
await swapper.load();
say(`[host] static linking mode: ${swapper.staticLinkingMode}`);

const trigger = reloadOnSignalFile(swapper, {
  path: signalFile,
  onReload: announceReloads(swapper),
});
await trigger.ready;
say(`[host] pid ${process.pid}; create ${signalFile} to reload`);

const heartbeat = setInterval(() => {
  const { bark } = swapper.current.vault.extension;
  if (bark === undefined) say('[host] nobody filled bark');
  else bark(1 + Math.floor(Math.random() * 3));
}, settings.intervalMs);

onShutdown(async () => {
  clearInterval(heartbeat);
  trigger.stop();
  await swapper.close();
});
