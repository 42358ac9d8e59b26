import { readFileSync } from 'node:fs';
import type { ReloadDetails } from '@hotswap/core';
import type { Command } from 'commander';
import { CliError, UsageError } from '../errors.js';
import type { Io } from '../output.js';

interface ReloadFlags {
  pidFile?: string;
  signal: string;
  url?: string;
  token?: string;
}

/** `hotswap reload`: asks a running host to reload, by signal or through its admin endpoint. */
export function registerReload(program: Command, io: Io): void {
  program
    .command('reload')
    .description('Make a running host reload: send it a signal (--pid-file) or call its admin endpoint (--url).')
    .option('--pid-file <file>', 'the pid file the host wrote (reloadOnSignal)')
    .option('--signal <name>', 'the signal to send', 'SIGUSR1')
    .option('--url <url>', "the host's admin endpoint (serveAdmin)")
    .option('--token <token>', 'the bearer token (default: $HOTSWAP_ADMIN_TOKEN)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ hotswap reload --pid-file .run/host.pid\n  $ HOTSWAP_ADMIN_TOKEN=… hotswap reload --url http://127.0.0.1:7070',
    )
    .action(async (flags: ReloadFlags) => {
      if ((flags.pidFile === undefined) === (flags.url === undefined)) {
        throw new UsageError('give either --pid-file or --url.');
      }
      if (flags.pidFile !== undefined) {
        const pid = Number(readPid(flags.pidFile));
        try {
          process.kill(pid, flags.signal);
        } catch (error) {
          throw new CliError(`cannot signal host ${pid} from ${flags.pidFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Is it running?`);
        }
        io.out.write(`${io.color.green('✔')} sent ${flags.signal} to host ${pid}\n`);
        return;
      }
      const token = flags.token ?? process.env['HOTSWAP_ADMIN_TOKEN'];
      if (token === undefined) throw new UsageError('--url needs --token or $HOTSWAP_ADMIN_TOKEN.');
      const url = new URL('/reload', flags.url);
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      } catch (error) {
        throw new CliError(`cannot reach ${url.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error)}`);
      }
      const body = (await response.json().catch(() => ({}))) as { ok?: boolean; details?: ReloadDetails; error?: { code?: string; message?: string } };
      if (body.ok !== true || body.details === undefined) {
        throw new CliError(`the host answered ${response.status}: ${body.error?.message ?? response.statusText}`, body.error?.code);
      }
      io.out.write(`${io.color.green('✔')} generation ${body.details.generation} serving (${Math.round(body.details.durationMs)} ms)\n`);
      for (const p of body.details.plugins) io.out.write(`  ${p.name} ${p.version} ${io.color.dim(p.status)}\n`);
    });
}

function readPid(file: string): string {
  try {
    const pid = readFileSync(file, 'utf8').trim();
    if (!/^\d+$/.test(pid)) throw new Error(`it holds ${JSON.stringify(pid.slice(0, 20))}`);
    return pid;
  } catch (error) {
    throw new CliError(`cannot read a pid from ${file}: ${(error as Error).message}`);
  }
}
