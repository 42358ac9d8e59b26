export { Swapper } from './swapper.js';
export type {
  AbortReason,
  Canary,
  CanaryDecider,
  CanaryOptions,
  CanaryOutcome,
  CanarySplit,
  CanaryState,
  CanaryStatus,
  LastReload,
  LoadArgs,
  PreparedReload,
  PreparedState,
  PrepareOptions,
  ReloadOptions,
  CountedState,
  ReloadOutcomeKind,
  ReloadRecord,
  ReloadTotals,
  ReloadRequest,
  SwapperEvents,
  SwapperMetrics,
  CanaryMetrics,
  SwapperOptions,
  SwapperStatus,
  TeardownFailureEvent,
} from './swapper.js';
export type { CanaryRules, CanaryVerdict } from './canary/rules.js';
export type { MeterCounts, MeterSnapshot } from './canary/meter.js';
export type { CensusState, LeakEvent, VersionStatus } from './census.js';
export type { Generation } from './generation.js';
export { holdForResponse } from './request-scope.js';
export type { StaticPlugin } from './loader/static.js';
export type { EachResult } from './generation.js';
export type { FunctionName, Params, PluginHandle, Result } from './handle.js';
// Everything a plugin uses is also part of the host API, from the same module instance.
export * from './plugin-api.js';
export type { HostTypes } from './plugin.js';
export type { PluginInfo, VersionState } from './version/version.js';
export type { PluginDetail, PluginStatus, ReloadDetails } from './reload/details.js';
export type { ReloadCallback } from './reload/input.js';
export type { HookEvent } from './hooks.js';
export type { VersionEvent } from './retire.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { LogLevel } from './logger.js';
export {
  ARTIFACT_FORMAT,
  ARTIFACT_SUFFIX,
  decodeArtifact,
  encodeArtifact,
  hashBundle,
  isCoreCompatible,
  isPluginVersion,
  LIVE_EXPORT,
  PLUGIN_NAME_PATTERN,
  signingPayload,
  verifySignature,
} from './artifact.js';
export type { Artifact, EncodedArtifact, Manifest } from './artifact.js';
export { CORE_MODULE, CORE_VERSION, HOST_MODULE } from './meta.js';
export { reloadOnSignal } from './triggers/signal.js';
export type { SignalTriggerOptions, Trigger } from './triggers/signal.js';
export { watchPluginDir } from './triggers/watch.js';
export type { WatchOptions, WatchTrigger } from './triggers/watch.js';
export { reloadOnSignalFile } from './triggers/signal-file.js';
export type { SignalFileOptions } from './triggers/signal-file.js';
export { createAdminHandler, prometheusText, PROMETHEUS_CONTENT_TYPE, serveAdmin } from './triggers/admin.js';
export type { AdminHandlerOptions, AdminOptions, AdminServer } from './triggers/admin.js';
export type { AdminHandlerOptions as MountedAdminOptions } from './triggers/admin.js';
export type { ReloadOutcome } from './triggers/signal.js';
export { DEFAULT_RELOAD_SIGNAL } from './triggers/signal.js';
export type { TriggerErrorHandler } from './triggers/report.js';
// Pid files, for tools that signal a host: `hotswap reload --pid-file` uses these.
export { checkPidFile, PID_START_TOLERANCE_MS, readPidFile } from './triggers/pid-file.js';
export type { PidFileCheck, PidFileRecord } from './triggers/pid-file.js';
// Releases: one consistent set of artifacts per directory, a `current` link switched atomically.
export { resolveRelease } from './release/resolve.js';
export type { ResolvedRelease } from './release/resolve.js';
export { CURRENT_LINK, RELEASE_ID_PATTERN, RELEASE_MANIFEST, RELEASES_DIR, releaseSigningPayload } from './release/manifest.js';
export type { ReleaseManifest, ReleasePlugin } from './release/manifest.js';
export type { CanaryTarget, ReloadTarget, RunningCanary } from './triggers/target.js';
// One reload across the workers of a node:cluster (docs/scale-out.md).
export * from './cluster/index.js';
