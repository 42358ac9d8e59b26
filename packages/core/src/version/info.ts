import type { Manifest } from '../artifact.js';
import type { Logger } from '../logger.js';
import type { PluginDefinition } from '../plugin.js';
import type { Vault } from '../vault.js';
import type { VersionState } from './lifecycle.js';
import type { PluginVersion } from './version.js';

/** Where a piece of a version's teardown failed. */
export type TeardownStage = 'abort' | 'onRetire';

/** What a host sees of one loaded version of a plugin. */
export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly buildStamp: string;
  readonly hash: string;
  readonly reloadable: boolean;
  readonly state: VersionState;
  /** Calls routed into this version that have not returned or settled yet. */
  readonly inflight: number;
  /** What the plugin's Export hook returned. */
  readonly exported: unknown;
}

/** Everything a version is made from. @internal */
export interface VersionInit {
  manifest: Manifest;
  /** The digest of the whole artifact this version came from. */
  digest: string;
  definition: PluginDefinition;
  data: unknown;
  vault: Vault;
  log: Logger;
  /** The generation whose reload loaded this version. */
  generation?: number;
  releaseSourceMap?: () => void;
  /** Told of every move of the version's state (the census listens here). */
  observe?: (version: PluginVersion, to: VersionState) => void;
  /** Told of an abort listener or onRetire teardown that failed; it never reaches the host as a crash. */
  onTeardownFailure?: (version: PluginVersion, stage: TeardownStage, error: unknown) => void;
}

