import { constants } from 'node:os';
import { checkPidFile, DEFAULT_RELOAD_SIGNAL, isHotswapError, type ReloadDetails } from '@hotswap/core';
import type { Command } from 'commander';
import { CliError, UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { adminUrl, callAdmin, refused, timeoutOf, tokenOf } from './admin-client.js';
import { canaryActionOf, canaryThroughAdmin } from './canary-client.js';

interface ReloadFlags {
  pidFile?: string;
  signal: string;
  url?: string;
  token?: string;
  timeout?: string;
  rollback?: boolean;
  canary?: string;
  by?: string;
  rules?: string;
  promote?: boolean;
  rollbackCanary?: boolean;
}

/** Signals `hotswap reload` will not send: they cannot be caught, so they would stop or kill the host instead of reloading it. */
const REFUSED_SIGNALS = new Set(['SIGKILL', 'SIGSTOP']);

/** `hotswap reload`: asks a running host to reload, by signal or through its admin endpoint. */
export function registerReload(program: Command, io: Io): void {
  program
    .command('reload')
    .description('Make a running host reload: send it a signal (--pid-file) or call its admin endpoint (--url).')
    .option('--pid-file <file>', 'the pid file the host wrote (reloadOnSignal)')
    .option('--signal <name>', 'the signal to send', DEFAULT_RELOAD_SIGNAL)
    .option('--url <url>', "the host's admin endpoint (serveAdmin)")
    .option('--token <token>', 'the bearer token (default: $HOTSWAP_ADMIN_TOKEN)')
    .option('--timeout <ms>', 'give up on the admin endpoint after this long (with --url; default 120000)')
    .option('--rollback', 'ask for an explicit rollback to older artifacts (with --url)')
    .option('--canary <weight>', 'reload as a canary serving this share of the work, such as 0.1 (with --url)')
    .option('--by <split>', 'split the canary at random (default) or by key (with --canary)')
    .option('--rules <json>', 'the canary\'s rules as JSON, such as {"minCalls":500} (with --canary)')
    .option('--promote', 'promote the running canary (with --url)')
    .option('--rollback-canary', 'roll the running canary back (with --url)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ hotswap reload --pid-file .run/host.pid\n  $ HOTSWAP_ADMIN_TOKEN=… hotswap reload --url http://127.0.0.1:7070\n  $ HOTSWAP_ADMIN_TOKEN=… hotswap reload --url http://127.0.0.1:7070 --rollback\n  $ HOTSWAP_ADMIN_TOKEN=… hotswap reload --url http://127.0.0.1:7070 --canary 0.1 --by key',
    )
    .action(async (flags: ReloadFlags) => {
      if ((flags.pidFile === undefined) === (flags.url === undefined)) {
        throw new UsageError('give either --pid-file or --url.');
      }
      const canary = canaryActionOf(flags);
      if (flags.pidFile !== undefined) {
        if (canary !== undefined) throw new UsageError('a canary is asked for through the admin endpoint: use --url.');
        if (flags.rollback === true) {
          throw new UsageError('--rollback cannot travel with a signal. Use --url with the admin endpoint, or write `rollback` into the signal file (reloadOnSignalFile).');
        }
        signalHost(flags.pidFile, signalOf(flags.signal), io);
        return;
      }
      if (canary !== undefined) return canaryThroughAdmin(flags.url!, tokenOf(flags), canary, io, timeoutOf(flags));
      await reloadThroughAdmin(flags.url!, flags, io);
    });
}

/** `SIGUSR2` for `SIGUSR2`, `USR2` or `usr2`; a usage error for a signal that does not exist or would not make a reload. */
function signalOf(name: string): NodeJS.Signals {
  const upper = name.toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!isSignal(full)) throw new UsageError(`--signal ${JSON.stringify(name)} is not a signal of this platform; the host listens for ${DEFAULT_RELOAD_SIGNAL} unless it chose another.`);
  if (REFUSED_SIGNALS.has(full)) throw new UsageError(`--signal ${full} cannot be caught: it would stop or kill the host, not reload it. Use the signal the host listens for (default ${DEFAULT_RELOAD_SIGNAL}).`);
  return full;
}

function isSignal(name: string): name is NodeJS.Signals {
  return Object.hasOwn(constants.signals, name);
}

function signalHost(pidFile: string, signal: NodeJS.Signals, io: Io): void {
  let pid: number;
  try {
    const check = checkPidFile(pidFile);
    pid = check.pid;
    if (!check.verified) {
      io.err.write(
        `${io.ecolor.yellow('!')} ${pidFile} holds no start time (written by an older host, or one whose start time cannot be read), so only that pid ${pid} runs was checked; restart the host to write a checkable pid file.\n`,
      );
    }
  } catch (error) {
    if (isHotswapError(error)) throw new CliError(error.message, error.code);
    throw error;
  }
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot signal host ${pid} from ${pidFile}: ${code === 'EPERM' ? 'it belongs to another user; run as that user' : (code ?? String(error))}.`);
  }
  io.out.write(`${io.color.green('✔')} sent ${signal} to host ${pid}\n`);
}

async function reloadThroughAdmin(base: string, flags: ReloadFlags, io: Io): Promise<void> {
  const token = tokenOf(flags);
  const answer = await callAdmin<{ details: ReloadDetails }>(
    adminUrl(base, '/reload'),
    token,
    {
      method: 'POST',
      ...(flags.rollback === true ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rollback: true }) } : {}),
    },
    timeoutOf(flags),
  );
  const details = answer.body.details;
  if (answer.body.ok !== true || details === undefined) throw refused(answer);
  io.out.write(`${io.color.green('✔')} generation ${details.generation} serving (${Math.round(details.durationMs)} ms)\n`);
  for (const p of details.plugins) io.out.write(`  ${p.name} ${p.version} ${io.color.dim(p.status)}\n`);
}
