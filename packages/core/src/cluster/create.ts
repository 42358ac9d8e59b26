import cluster from 'node:cluster';
import { ErrorCodes, HotswapError } from '../errors.js';
import { Coordinator } from './coordinator.js';
import { clusterPrimaryTransport } from './transport.js';
import type { CoordinatorOptions } from './types.js';

/**
 * Makes the coordinator of the primary process. With the default transport
 * it must run where `cluster.isPrimary`; throws `HOTSWAP_CLUSTER_ROLE`
 * otherwise, and `HOTSWAP_INVALID_OPTION` for a bad option.
 */
export function createCoordinator(options: CoordinatorOptions): Coordinator {
  if (typeof options !== 'object' || options === null || typeof options.releaseRoot !== 'string' || options.releaseRoot === '') {
    throw new HotswapError(ErrorCodes.INVALID_OPTION, 'createCoordinator needs `releaseRoot`: the directory that holds releases/ and the current link.');
  }
  for (const key of ['deadlineMs', 'commitTimeoutMs', 'joinTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new HotswapError(ErrorCodes.INVALID_OPTION, `\`${key}\` must be a number of milliseconds above 0; got ${String(value)}.`);
    }
  }
  if (options.transport === undefined && !cluster.isPrimary) {
    throw new HotswapError(ErrorCodes.CLUSTER_ROLE, 'createCoordinator runs in the cluster primary, and this process is a worker. Call joinCluster(swapper) here instead.');
  }
  return new Coordinator(options, options.transport ?? clusterPrimaryTransport());
}
