import { pluginLogger, type Logger, type PluginLogger } from '../logger.js';
import type { PluginContext } from '../plugin.js';
import type { Vault } from '../vault.js';
import type { PluginVersion } from './version.js';

// A class rather than an object literal made in the version's constructor: a
// literal's getters would keep the constructor's arguments alive, among them
// the vault of the generation that first loaded the version.
/** What every hook of one version receives. @internal */
export class VersionContext implements PluginContext {
  readonly #version: PluginVersion;
  readonly data: unknown;
  readonly log: PluginLogger;

  constructor(version: PluginVersion, data: unknown, log: Logger, generation: number | undefined) {
    this.#version = version;
    this.data = data;
    this.log = pluginLogger(log, { plugin: version.name, version: version.version, build: version.buildStamp, generation });
  }

  /** Made on first use (see PluginVersion.signal). */
  get signal(): AbortSignal {
    return this.#version.signal;
  }

  get name(): string {
    return this.#version.name;
  }

  get version(): string {
    return this.#version.version;
  }

  get buildStamp(): string {
    return this.#version.buildStamp;
  }

  get vault(): Vault {
    return this.#version.vault;
  }

  get imports(): PluginContext['imports'] {
    return this.#version.imports;
  }

  onRetire(teardown: () => unknown): void {
    this.#version.onRetire(teardown);
  }
}
