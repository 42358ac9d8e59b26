import type { CanaryStatus, ClusterCanaryStatus, ReloadDetails } from '@hotswap/core';
import { UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { adminUrl, callAdmin, refused } from './admin-client.js';

/** What `hotswap reload` does with a canary: start one, promote the running one, or roll it back. */
export type CanaryAction = { start: { weight: number; by?: string; rules?: string } } | 'promote' | 'rollback';

/** The canary action the flags ask for, if any; a usage error for a bad weight or rules, or two actions at once. */
export function canaryActionOf(flags: { canary?: string; by?: string; rules?: string; promote?: boolean; rollbackCanary?: boolean }): CanaryAction | undefined {
  const asked = [flags.canary !== undefined, flags.promote === true, flags.rollbackCanary === true].filter(Boolean).length;
  if (asked > 1) throw new UsageError('give one of --canary, --promote and --rollback-canary.');
  if ((flags.by !== undefined || flags.rules !== undefined) && flags.canary === undefined) throw new UsageError('--by and --rules go with --canary <weight>.');
  if (flags.promote === true) return 'promote';
  if (flags.rollbackCanary === true) return 'rollback';
  if (flags.canary === undefined) return undefined;
  const weight = Number(flags.canary);
  if (!(weight > 0 && weight < 1)) throw new UsageError(`--canary ${JSON.stringify(flags.canary)}: give the share of the work for the new code, above 0 and below 1, such as 0.1.`);
  if (flags.by !== undefined && flags.by !== 'random' && flags.by !== 'key') throw new UsageError(`--by ${JSON.stringify(flags.by)}: give random or key.`);
  return { start: { weight, ...(flags.by === undefined ? {} : { by: flags.by }), ...(flags.rules === undefined ? {} : { rules: flags.rules }) } };
}

/** Runs a canary action through the admin endpoint and prints the outcome. */
export async function canaryThroughAdmin(base: string, token: string, action: CanaryAction, io: Io, timeoutMs?: number): Promise<void> {
  if (action === 'promote') {
    const answer = await callAdmin<{ details: ReloadDetails }>(adminUrl(base, '/canary/promote'), token, { method: 'POST' }, timeoutMs);
    const details = answer.body.details;
    if (answer.body.ok !== true || details === undefined) throw refused(answer);
    io.out.write(`${io.color.green('✔')} canary promoted: generation ${details.generation} serves everything\n`);
    return;
  }
  if (action === 'rollback') {
    const answer = await callAdmin<{ rolledBack: number }>(adminUrl(base, '/canary/rollback'), token, { method: 'POST' }, timeoutMs);
    if (answer.body.ok !== true || answer.body.rolledBack === undefined) throw refused(answer);
    io.out.write(`${io.color.green('✔')} canary of generation ${answer.body.rolledBack} rolled back\n`);
    return;
  }
  let rules: unknown;
  if (action.start.rules !== undefined) {
    try {
      rules = JSON.parse(action.start.rules);
    } catch {
      throw new UsageError(`--rules must be a JSON object such as '{"minCalls":500}'; got ${action.start.rules}.`);
    }
  }
  const body = JSON.stringify({ weight: action.start.weight, ...(action.start.by === undefined ? {} : { by: action.start.by }), ...(rules === undefined ? {} : { rules }) });
  const answer = await callAdmin<{ canary: CanaryStatus | ClusterCanaryStatus }>(adminUrl(base, '/canary'), token, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, timeoutMs);
  const canary = answer.body.canary;
  if (answer.body.ok !== true || canary === undefined) throw refused(answer);
  const share = `${Math.round(canary.weight * 100)}% of the work (${canary.by})`;
  if ('workers' in canary) {
    // A cluster coordinator's endpoint: the canary serves in every worker.
    io.out.write(`${io.color.green('✔')} release ${canary.release} serving as a cluster canary for ${share} in ${canary.workers.length} worker(s) beside release ${canary.baseline ?? 'none'}\n`);
  } else {
    io.out.write(`${io.color.green('✔')} generation ${canary.generation} serving as a canary for ${share} beside generation ${canary.baseline}\n`);
  }
  io.out.write(`  ${io.color.dim(canary.verdict.reasons.join('; '))}\n`);
}
