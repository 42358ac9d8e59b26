// What every demo host needs and no demo is about: printing, settings from
// the environment, and a clean shutdown. Each demo's shared module `g`
// re-exports `say`, so plugins print through the host's own function.
import { isHotswapError, reloadOnSignal, type Contract, type Logger, type ReloadDetails, type Swapper, type Trigger } from '@hotswap/core';

/** Prints one line, prefixed with the time. */
export function say(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
}

/** The swapper's log, on stdout beside everything else. */
export const logger: Logger = {
  debug() {},
  info: (_fields, m) => say(`[hotswap] ${m}`),
  warn: (_fields, m) => say(`[hotswap] warn ${m}`),
  error: (_fields, m) => say(`[hotswap] error ${m}`),
};

/** The settings run.sh and the tests pass to a demo host (see ../lib.sh). */
export const settings = {
  pluginDir: process.env['DEMO_BIN'] ?? 'bin',
  pidFile: process.env['DEMO_PID_FILE'] ?? '.run/host.pid',
  intervalMs: Number(process.env['DEMO_INTERVAL_MS'] ?? 3000),
  freeDelayMs: Number(process.env['DEMO_FREE_DELAY_MS'] ?? 1000),
};

/** Runs `close` on SIGTERM or SIGINT, then exits 0 (1 if it throws). */
export function onShutdown(close: () => Promise<void>): void {
  const stop = (signal: string): void => {
    say(`[host] ${signal}: shutting down`);
    close().then(
      () => {
        say('[host] bye');
        process.exit(0);
      },
      (error: unknown) => {
        say(`[host] shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** The outcome of a reload, the way the triggers report it. */
type Outcome = { details: ReloadDetails } | { error: unknown };

/** A trigger's `onReload` that prints each reload: its number and every plugin's status, or the error's code. */
export function announceReloads(swapper: { readonly reloadCounter: number }): (outcome: Outcome) => void {
  return (outcome) => {
    if ('details' in outcome) {
      const plugins = outcome.details.plugins.map((p) => `${p.name} ${p.version} ${p.status}`).join(', ');
      say(`[host] reload #${swapper.reloadCounter} done: ${plugins}`);
    } else {
      const { error } = outcome;
      const [code, message] = isHotswapError(error) ? [error.code, error.message] : ['error', String(error)];
      say(`[host] reload failed (${code}): ${message}; the current plugins keep serving`);
    }
  };
}

/**
 * Makes the host reload on reloadOnSignal's default signal (SIGUSR2) with a
 * pid file at `settings.pidFile`, as every demo's reload.sh expects,
 * printing each reload.
 */
export function reloadWhenSignalled<T extends Contract>(swapper: Swapper<T>): Trigger {
  const trigger = reloadOnSignal(swapper, { pidFile: settings.pidFile, onReload: announceReloads(swapper) });
  say(`[host] pid ${process.pid} written to ${settings.pidFile}; send SIGUSR2 to reload`);
  return trigger;
}
