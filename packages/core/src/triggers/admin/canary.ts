import { ErrorCodes, HotswapError } from '../../errors.js';
import type { CanaryRules } from '../../canary/rules.js';
import type { CanaryOptions, CanaryStatus } from '../../canary/run.js';
import type { ClusterCanaryStatus } from '../../cluster/canary.js';
import type { ReloadDetails } from '../../reload/details.js';
import type { CanaryTarget } from '../target.js';

/** The admin endpoint's canary routes. */
export const CANARY_ROUTES = ['/canary', '/canary/promote', '/canary/rollback'] as const;
export type CanaryRoute = (typeof CANARY_ROUTES)[number];

export function isCanaryRoute(path: string): path is CanaryRoute {
  return (CANARY_ROUTES as readonly string[]).includes(path);
}

/** What a canary route answers with. */
export type CanaryAnswer = { canary: CanaryStatus | ClusterCanaryStatus } | { details: ReloadDetails } | { rolledBack: number };

const RULE_NUMBERS = ['minCalls', 'minDurationMs', 'maxErrorRateIncrease', 'maxLatencyRatio', 'latencyPercentile', 'latencyFloorMs', 'maxDurationMs', 'checkIntervalMs'] as const;

/**
 * `POST /canary` starts a canary reload from a JSON body
 * `{ "weight": 0.1, "by": "key", "rules": { … }, "rollback": false }` and
 * answers with its status once it serves; `POST /canary/promote` and
 * `POST /canary/rollback` decide the running one. Throws a HotswapError
 * (HOTSWAP_INVALID_OPTION for a bad body, HOTSWAP_CANARY_DECIDED when none
 * runs, or the reload's own error). The target is a swapper, or a cluster
 * coordinator: its canary serves in every worker, and a promote answers
 * once every worker serves it.
 */
export async function canaryRoute(target: CanaryTarget, path: CanaryRoute, body: Buffer): Promise<CanaryAnswer> {
  if (path === '/canary') return { canary: (await target.canary(optionsOf(body))).status() };
  const running = target.activeCanary;
  if (running === undefined) {
    throw new HotswapError(ErrorCodes.CANARY_DECIDED, 'no canary is running. Start one with POST /canary.', { state: 'running' });
  }
  if (path === '/canary/promote') return { details: await running.promote() };
  running.rollback('rolled back through the admin endpoint');
  return { rolledBack: running.generation };
}

function optionsOf(body: Buffer): CanaryOptions & { rollback?: boolean } {
  const bad = (message: string): never => {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, `POST /canary: ${message}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return bad('the body must be a JSON object such as {"weight":0.1}.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('the body must be a JSON object such as {"weight":0.1}.');
  const given = new Map<string, unknown>(Object.entries(parsed));
  const weight = given.get('weight');
  if (typeof weight !== 'number') return bad('"weight" must be a number above 0 and below 1.');
  const options: CanaryOptions & { rollback?: boolean } = { weight };
  const by = given.get('by');
  if (by !== undefined) {
    if (by !== 'random' && by !== 'key') return bad('"by" must be "random" or "key".');
    options.by = by;
  }
  const rollback = given.get('rollback');
  if (rollback !== undefined) {
    if (typeof rollback !== 'boolean') return bad('"rollback" must be true or false.');
    options.rollback = rollback;
  }
  const rules = given.get('rules');
  if (rules !== undefined) options.rules = rulesOf(rules, bad);
  for (const key of given.keys()) if (!['weight', 'by', 'rollback', 'rules'].includes(key)) bad(`unknown field "${key}".`);
  return options;
}

function rulesOf(value: unknown, bad: (message: string) => never): CanaryRules {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('"rules" must be an object.');
  const rules: CanaryRules = {};
  for (const [key, v] of new Map<string, unknown>(Object.entries(value))) {
    const numeric = RULE_NUMBERS.find((k) => k === key);
    if (numeric !== undefined) {
      if (typeof v !== 'number') return bad(`rules.${key} must be a number.`);
      rules[numeric] = v;
    } else if (key === 'auto') {
      if (typeof v !== 'boolean') return bad('rules.auto must be true or false.');
      rules.auto = v;
    } else {
      return bad(`unknown rule "${key}".`);
    }
  }
  return rules;
}
