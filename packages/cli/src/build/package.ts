import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { CORE_VERSION, encodeArtifact } from '@hotswap/core';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { Analysis } from './analyse.js';
import type { Bundle } from './bundle.js';
import type { BuiltPlugin } from './options.js';

/** Signs the bytes a manifest's signature covers; returns the signature, base64. */
export type Signer = (payload: Buffer) => string;

/** One plugin ready to write: what the build reports, its artifact's text, and the files `leaveTemps` keeps. */
export interface Packaged {
  built: BuiltPlugin;
  text: string;
  /** File name → text, for `.hotswap-temp/<name>/`; empty without `leaveTemps`. */
  temps: Record<string, string>;
}

/**
 * The signer for an Ed25519 private key (PEM text or KeyObject), or none
 * without a key. Any other key is `HOTSWAP_BUILD_BAD_OPTION`.
 */
export function signer(key: string | KeyObject | undefined): Signer | undefined {
  if (key === undefined) return undefined;
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch (error) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `the signing key is not a private key: ${(error as Error).message}`, { cause: error });
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `the signing key must be an Ed25519 private key (hotswap keygen makes one).`);
  }
  return (payload) => sign(null, payload, object).toString('base64');
}

/** What packaging needs besides the plugin: the build's stamp, signer and whether to keep temporary files. */
export interface PackageSettings {
  buildStamp: string;
  sign: Signer | undefined;
  leaveTemps: boolean;
}

/**
 * Makes a bundle an artifact: the source map inlined, the manifest (signed
 * when there is a signer) on the first line.
 */
export function packagePlugin(analysis: Analysis, bundle: Bundle, settings: PackageSettings, started: number): Packaged {
  const { source } = analysis;
  const code =
    `${bundle.js.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n')}` +
    `//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(bundle.map).toString('base64')}\n`;
  const { text, manifest } = encodeArtifact(
    {
      name: source.name,
      version: source.version,
      core: CORE_VERSION,
      shared: bundle.usedShared,
      buildStamp: settings.buildStamp,
      builtAt: new Date().toISOString(),
      entry: analysis.entry,
      live: analysis.live.map((l) => l.name),
    },
    code,
    settings.sign,
  );
  const temps: Record<string, string> = settings.leaveTemps
    ? { 'bundle.js': bundle.js, 'bundle.js.map': bundle.map, 'meta.json': JSON.stringify(bundle.metafile, null, 2) }
    : {};
  return {
    built: {
      name: source.name,
      version: source.version,
      artifact: bundle.artifact,
      bytes: Buffer.byteLength(text),
      durationMs: performance.now() - started,
      manifest,
      inputs: bundle.inputs,
    },
    text,
    temps,
  };
}
