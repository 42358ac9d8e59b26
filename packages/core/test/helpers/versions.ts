// In-memory plugin versions, sources and hook runners for the core's unit tests: no esbuild, no files.
import type { Manifest } from '../../src/artifact.js';
import { HookRunner, type HookEvent } from '../../src/hooks.js';
import { silentLogger } from '../../src/logger.js';
import { keyOf, type PluginKey } from '../../src/names.js';
import type { ImportSpec, PluginDefinition } from '../../src/plugin.js';
import { Vault } from '../../src/vault.js';
import { PluginVersion, type TeardownStage, type VersionState } from '../../src/version/version.js';

/** What may differ between in-memory versions; everything has a plain default. */
export interface VersionOptions {
  version?: string;
  /** The artifact digest; defaults to `digest-<name>-<version>`. */
  digest?: string;
  builtAt?: string;
  buildStamp?: string;
  reloadable?: boolean;
  importSpec?: ImportSpec;
  exported?: unknown;
  data?: unknown;
  vault?: Vault;
  observe?: (version: PluginVersion, to: VersionState) => void;
  onTeardownFailure?: (version: PluginVersion, stage: TeardownStage, error: unknown) => void;
}

/** A manifest for an in-memory plugin. */
export function manifestOf(name: string, options: VersionOptions = {}): Manifest {
  return {
    format: 1,
    name,
    version: options.version ?? '1.0.0',
    hash: `sha256-${name}`,
    core: '0.1.0',
    shared: [],
    buildStamp: options.buildStamp ?? `stamp-${name}`,
    builtAt: options.builtAt ?? '2024-01-01T00:00:00.000Z',
    entry: 'index.ts',
    live: [],
  };
}

/** A plugin version made from a definition in memory, with the declarations the evaluate phase would have set. */
export function makeVersion(name: string, definition: PluginDefinition = {}, options: VersionOptions = {}): PluginVersion {
  const manifest = manifestOf(name, options);
  const version = new PluginVersion({
    manifest,
    digest: options.digest ?? `digest-${name}-${manifest.version}`,
    definition,
    data: options.data,
    vault: options.vault ?? new Vault(undefined, {}),
    log: silentLogger,
    ...(options.observe === undefined ? {} : { observe: options.observe }),
    ...(options.onTeardownFailure === undefined ? {} : { onTeardownFailure: options.onTeardownFailure }),
  });
  version.reloadable = options.reloadable ?? true;
  version.importSpec = options.importSpec ?? {};
  version.exported = options.exported;
  return version;
}

/** A source as the plan sees one: a manifest and a digest. */
export interface TestSource {
  readonly digest: string;
  readonly manifest: Manifest;
}

/** A source for plugin `name`; give it the digest of a serving version to mean "unchanged". */
export function sourceOf(name: string, options: VersionOptions = {}): TestSource {
  const manifest = manifestOf(name, options);
  return { digest: options.digest ?? `digest-${name}-${manifest.version}`, manifest };
}

/** The members map the link phase takes, keyed by folded name. */
export function membersOf(versions: readonly PluginVersion[]): Map<PluginKey, PluginVersion> {
  return new Map(versions.map((v) => [keyOf(v.name), v]));
}

/** A hook runner that records every hook event. */
export function recordingRunner(options: { timeoutMs?: number; boundSync?: boolean } = {}): { runner: HookRunner; events: HookEvent[] } {
  const events: HookEvent[] = [];
  const runner = new HookRunner({
    timeoutMs: options.timeoutMs ?? 1_000,
    boundSync: options.boundSync ?? true,
    onHook: (event) => events.push(event),
  });
  return { runner, events };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets every pending macrotask and microtask run once. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
