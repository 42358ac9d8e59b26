import { checkPidFile, isHotswapError } from '@hotswap/core';
import type { Command } from 'commander';
import { CliError, UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { adminUrl, callAdmin, refused, timeoutOf, tokenOf } from './admin-client.js';
import { statusText } from './status-table.js';

interface StatusFlags {
  url?: string;
  pidFile?: string;
  token?: string;
  timeout?: string;
  json?: boolean;
}

/** `hotswap status`: what a running host serves, retires and has reloaded, from its admin endpoint. */
export function registerStatus(program: Command, io: Io): void {
  program
    .command('status')
    .description("Show a running host's plugins, versions and recent reloads (or a cluster coordinator's release, workers and canary), from its admin endpoint (--url, or the address in its pid file).")
    .option('--url <url>', "the host's admin endpoint (serveAdmin's url, or where createAdminHandler is mounted)")
    .option('--pid-file <file>', 'the pid file the host wrote with reloadOnSignal({ pidFile, admin })')
    .option('--token <token>', 'the bearer token (default: $HOTSWAP_ADMIN_TOKEN)')
    .option('--json', "print the status as JSON, as GET /status gives it")
    .option('--timeout <ms>', 'give up on the admin endpoint after this long (default 120000)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ HOTSWAP_ADMIN_TOKEN=… hotswap status --url http://127.0.0.1:7070\n  $ HOTSWAP_ADMIN_TOKEN=… hotswap status --pid-file .run/host.pid --json',
    )
    .action(async (flags: StatusFlags) => {
      if ((flags.pidFile === undefined) === (flags.url === undefined)) throw new UsageError('give either --url or --pid-file.');
      const token = tokenOf(flags);
      const base = flags.url ?? adminOfPidFile(flags.pidFile!);
      // A swapper's status or a cluster coordinator's (serveAdmin serves either), or a shape of another version: checked before it is shown.
      const answer = await callAdmin<{ status: unknown }>(adminUrl(base, '/status'), token, {}, timeoutOf(flags));
      const { status } = answer.body;
      if (answer.body.ok !== true || status === undefined) throw refused(answer);
      io.out.write(flags.json === true ? `${JSON.stringify(status, null, 2)}\n` : statusText(status, io.color));
    });
}

/** The admin endpoint named in a pid file, once the file is checked to name a running host. */
function adminOfPidFile(path: string): string {
  let check;
  try {
    check = checkPidFile(path);
  } catch (error) {
    if (isHotswapError(error)) throw new CliError(error.message, error.code);
    throw error;
  }
  const { admin } = check.record;
  if (admin === undefined) {
    throw new CliError(
      `host ${check.pid} from ${path} runs, but its pid file names no admin endpoint. Start the trigger with reloadOnSignal(swapper, { pidFile, admin: admin.url }), or give --url.`,
    );
  }
  return admin;
}
