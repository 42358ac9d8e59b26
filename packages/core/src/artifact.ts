import { createHash, verify, type KeyObject } from 'node:crypto';
import semver from 'semver';
import { ErrorCodes, HotswapError } from './errors.js';

/** The file name suffix of every artifact: `world.hotswap.js`. */
export const ARTIFACT_SUFFIX = '.hotswap.js';

/** The export of a bundle that gathers the plugin's live functions and types by name. */
export const LIVE_EXPORT = '__hotswapLive';

/** The version of the artifact format this core reads and writes. */
export const ARTIFACT_FORMAT = 1;

const HEADER = '// hotswap-artifact ';

/** What a plugin name may be: letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. */
export const PLUGIN_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

// ISO 8601 with a time and an explicit offset, so two build times always compare the same way.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** What `hotswap build` records about one plugin, at the top of its artifact. */
export interface Manifest {
  /** The artifact format, {@link ARTIFACT_FORMAT}. */
  format: number;
  /** The plugin's name: its directory name. */
  name: string;
  /** The plugin's version, from its package.json (`0.0.0` when it has none). */
  version: string;
  /** `sha256-` and the hex digest of the bundle that follows the manifest line. */
  hash: string;
  /** The version of `@hotswap/core` the plugin was built against. */
  core: string;
  /** Modules the bundle takes from the host at load time instead of bundling them. */
  shared: string[];
  /** A stamp unique to this build. */
  buildStamp: string;
  /** When the build ran, ISO 8601. */
  builtAt: string;
  /** The entry file, relative to the plugin directory. */
  entry: string;
  /** The names of the plugin's live functions and live types, from any of its modules. */
  live: string[];
  /** An Ed25519 signature of the rest of the manifest (`hotswap build --sign`), base64. */
  signature?: string;
}

/** An artifact read from disk and checked: its manifest and its bundle. */
export interface Artifact {
  manifest: Manifest;
  /** The CommonJS bundle, with its inline source map. */
  code: string;
  /** Where it was read from, or a name for it when it came from elsewhere. */
  path: string;
  /**
   * The digest of the whole artifact, manifest line included. Two artifacts
   * are the same version only when their digests match: a rebuild of
   * unchanged sources has a new build stamp, so it is a new version.
   */
  digest: string;
}

/** The content hash of a bundle, as the manifest records it. */
export function hashBundle(code: string): string {
  return `sha256-${createHash('sha256').update(code).digest('hex')}`;
}

/** Whether `version` is a plugin version an artifact may carry: a semver version, as `semver.valid` reads one. */
export function isPluginVersion(version: string): boolean {
  return semver.valid(version) !== null;
}

/** An artifact's text as {@link encodeArtifact} wrote it, and the whole manifest on its first line. */
export interface EncodedArtifact {
  text: string;
  /** The manifest as written: format, hash and (when signed) signature included. */
  manifest: Manifest;
}

/**
 * Writes an artifact's text: one manifest line, then the bundle. With
 * `sign`, the manifest carries a signature of everything else in it, the
 * bundle's hash included. Returns the text and the manifest it wrote.
 */
export function encodeArtifact(
  manifest: Omit<Manifest, 'hash' | 'format' | 'signature'>,
  code: string,
  sign?: (payload: Buffer) => string,
): EncodedArtifact {
  const full: Manifest = { format: ARTIFACT_FORMAT, ...manifest, hash: hashBundle(code) };
  if (sign !== undefined) full.signature = sign(signingPayload(full));
  return { text: `${HEADER}${JSON.stringify(full)}\n${code}`, manifest: full };
}

/** The bytes a signature covers: the manifest without its signature, keys sorted. */
export function signingPayload(manifest: Manifest): Buffer {
  const { signature: _signature, ...rest } = manifest;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(JSON.stringify(sorted));
}

/**
 * Checks an artifact's signature with `publicKey` (an Ed25519 key, PEM or
 * KeyObject). Throws `HOTSWAP_ARTIFACT_UNSIGNED` or
 * `HOTSWAP_ARTIFACT_SIGNATURE_INVALID`.
 */
export function verifySignature(artifact: Artifact, publicKey: KeyObject): void {
  const { manifest } = artifact;
  if (manifest.signature === undefined) {
    throw new HotswapError(
      ErrorCodes.ARTIFACT_UNSIGNED,
      `${artifact.path} is not signed, and this host loads only signed artifacts. Build it with \`hotswap build --sign <privateKey.pem>\`.`,
      { plugin: manifest.name, stage: 'verify' },
    );
  }
  let ok = false;
  try {
    ok = verify(null, signingPayload(manifest), publicKey, Buffer.from(manifest.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new HotswapError(
      ErrorCodes.ARTIFACT_SIGNATURE_INVALID,
      `${artifact.path}: its signature does not match this host's public key (signed with another key, or altered after signing). ` +
        'Rebuild it with the private key that matches the host, or fix the host\'s publicKey.',
      { plugin: manifest.name, stage: 'verify' },
    );
  }
}

/**
 * Reads an artifact's text and checks it: the manifest line parses, has every
 * field with a valid value, and its hash matches the bundle. Throws a
 * {@link HotswapError} (`HOTSWAP_ARTIFACT_INVALID` or
 * `HOTSWAP_ARTIFACT_HASH_MISMATCH`) otherwise.
 */
export function decodeArtifact(text: string, path: string): Artifact {
  const invalid = (why: string): HotswapError => invalidArtifact(path, why);
  if (!text.startsWith(HEADER)) throw invalid('it does not start with the manifest line');
  const newline = text.indexOf('\n');
  if (newline < 0) throw invalid('it ends after the manifest line');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(HEADER.length, newline));
  } catch (error) {
    throw invalid(`its manifest is not JSON (${(error as Error).message})`);
  }
  const manifest = checkManifest(parsed, path);
  const code = text.slice(newline + 1);
  const actual = hashBundle(code);
  if (actual !== manifest.hash) {
    throw new HotswapError(
      ErrorCodes.ARTIFACT_HASH_MISMATCH,
      `${path}: the bundle does not match its manifest's hash (the file is truncated, still being written, or was altered). ` +
        `Expected ${manifest.hash.slice(0, 19)}…, got ${actual.slice(0, 19)}…. Copy the artifact again or rebuild it.`,
      { plugin: manifest.name, stage: 'verify', expected: manifest.hash, actual },
    );
  }
  return { manifest, code, path, digest: createHash('sha256').update(text).digest('hex') };
}

/**
 * Checks a parsed manifest line: the format, every field present with the
 * right type, a valid plugin name, a semver version, a relative entry with no
 * `..`, and a build time that parses as an ISO 8601 date. Throws
 * `HOTSWAP_ARTIFACT_INVALID`, naming `path` and what to write instead.
 */
export function checkManifest(value: unknown, path: string): Manifest {
  const invalid = (why: string, fix?: string): HotswapError => invalidArtifact(path, why, fix);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('its manifest is not an object');
  const m = value as Record<string, unknown>;
  if (m['format'] !== ARTIFACT_FORMAT) {
    throw invalid(`its format is ${String(m['format'])}, this core reads format ${ARTIFACT_FORMAT}`);
  }
  const text = (key: string): string => {
    const field = m[key];
    if (typeof field !== 'string' || field === '') throw invalid(`its manifest has no "${key}"`);
    return field;
  };
  const name = text('name');
  const version = text('version');
  text('hash');
  text('core');
  text('buildStamp');
  const builtAt = text('builtAt');
  const entry = text('entry');
  for (const key of ['shared', 'live'] as const) {
    const list = m[key];
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw invalid(`its manifest has no "${key}" list`);
  }
  if (m['signature'] !== undefined && typeof m['signature'] !== 'string') throw invalid('its signature is not a string');
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    throw invalid(
      `its plugin name ${JSON.stringify(name)} is not a valid name`,
      'A plugin name is letters, digits, "_", "." and "-", and starts with a letter, a digit or "_": rename the plugin\'s directory and rebuild.',
    );
  }
  if (!isPluginVersion(version)) {
    throw invalid(
      `its version ${JSON.stringify(version)} is not a semver version`,
      'Write a version such as "1.2.0" in the plugin\'s package.json and rebuild.',
    );
  }
  if (/^([/\\]|[A-Za-z]:)/.test(entry) || entry.split(/[/\\]/).includes('..')) {
    throw invalid(
      `its entry ${JSON.stringify(entry)} is not a path inside the plugin directory`,
      'The entry is relative to the plugin\'s directory, with no ".." and not absolute, such as "index.ts": rebuild with `hotswap build`.',
    );
  }
  if (!ISO_TIME.test(builtAt) || Number.isNaN(Date.parse(builtAt))) {
    throw invalid(
      `its build time ${JSON.stringify(builtAt)} is not an ISO 8601 date`,
      'Write the time as `new Date().toISOString()` does, such as "2026-01-01T12:00:00.000Z": rebuild with `hotswap build`.',
    );
  }
  return value as Manifest;
}

function invalidArtifact(path: string, why: string, fix = 'Rebuild it with `hotswap build`.'): HotswapError {
  return new HotswapError(ErrorCodes.ARTIFACT_INVALID, `${path} is not a hotswap artifact: ${why}. ${fix}`, { stage: 'verify' });
}

/**
 * Whether an artifact built against core `built` can run on core `running`:
 * the same major version, and for 0.x the same minor version too.
 */
export function isCoreCompatible(built: string, running: string): boolean {
  const a = /^(\d+)\.(\d+)\./.exec(built);
  const b = /^(\d+)\.(\d+)\./.exec(running);
  if (a === null || b === null) return false;
  if (a[1] !== b[1]) return false;
  return a[1] !== '0' || a[2] === b[2];
}
