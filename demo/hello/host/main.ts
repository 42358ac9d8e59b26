// The hello host: loads the plugins, asks each to hum every few seconds,
// reloads on SIGUSR1 and shuts down cleanly on SIGTERM or SIGINT.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Swapper, type HotswapError } from '@hotswap/core';
import * as g from '#g';

const pluginDir = process.env['HELLO_BIN'] ?? 'bin';
const pidFile = process.env['HELLO_PID_FILE'] ?? '.run/host.pid';
const interval = Number(process.env['HELLO_INTERVAL_MS'] ?? 3000);

const swapper = new Swapper<g.HelloTypes>({
  pluginDir,
  shared: { '#g': g },
  freeDelay: Number(process.env['HELLO_FREE_DELAY_MS'] ?? 1000),
  logger: {
    debug() {},
    info: (m) => g.say(`[hotswap] ${m}`),
    warn: (m) => g.say(`[hotswap] warn ${m}`),
    error: (m) => g.say(`[hotswap] error ${m}`),
  },
});
swapper.on('version:free', (e) => g.say(`[host] ${e.plugin} ${e.version} (build ${e.buildStamp}) got OnFree`));
swapper.on('reload:failure', (e: HotswapError) => g.say(`[host] reload failed (${e.code}), the current plugins keep serving`));

await swapper.load({ startedAt: new Date().toISOString() });
mkdirSync(dirname(pidFile), { recursive: true });
writeFileSync(pidFile, `${process.pid}\n`);
g.say(`[host] pid ${process.pid} written to ${pidFile}; send SIGUSR1 to reload`);

const hum = async (): Promise<void> => {
  const repeat = 1 + Math.floor(Math.random() * 3);
  try {
    await swapper.current.invokeEach('hum', repeat);
  } catch (error) {
    g.say(`[host] hum failed: ${(error as Error).message}`);
  }
};
void hum();
const timer = setInterval(() => void hum(), interval);

process.on('SIGUSR1', () => {
  g.say('[host] SIGUSR1: reloading');
  swapper.reload().then(
    (details) =>
      g.say(`[host] reload #${swapper.reloadCounter} done: ${details.plugins.map((p) => `${p.name} ${p.status}`).join(', ')}`),
    () => {},
  );
});

const stop = (signal: string): void => {
  g.say(`[host] ${signal}: shutting down`);
  clearInterval(timer);
  swapper.close().then(() => {
    rmSync(pidFile, { force: true });
    g.say('[host] bye');
    process.exit(0);
  }, (error: unknown) => {
    g.say(`[host] shutdown failed: ${String(error)}`);
    process.exit(1);
  });
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
