import { verify, type KeyObject } from 'node:crypto';
import { ARTIFACT_SUFFIX, PLUGIN_NAME_PATTERN } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';

/** The release manifest's file name, in every release directory. */
export const RELEASE_MANIFEST = 'release.json';
/** The link in a release root that names the active release: `<root>/current → releases/<id>`. */
export const CURRENT_LINK = 'current';
/** The directory of a release root that holds one directory per release. */
export const RELEASES_DIR = 'releases';

/** What a release id may be: letters, digits, `_`, `.` and `-`, not starting with `.` or `-` (a file name, never a path). */
export const RELEASE_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const DIGEST = /^[0-9a-f]{64}$/;

/** One plugin of a release: what `release.json` records about its artifact. */
export interface ReleasePlugin {
  name: string;
  version: string;
  /** The artifact's file name in the release directory: `<name>.hotswap.js`. */
  file: string;
  /** The hex sha256 of the artifact's bytes, as `Artifact.digest` has it. */
  digest: string;
}

/** `release.json`: one consistent set of artifacts, written once, never changed. */
export interface ReleaseManifest {
  /** The release's id, its directory's name: sortable by creation time and unique. */
  id: string;
  /** When the release was made, ISO 8601. */
  createdAt: string;
  /** Every artifact of the release, sorted by name. */
  plugins: ReleasePlugin[];
  /** The release that was active when this one was made: what a rollback goes back to. */
  previous?: string;
  /** An Ed25519 signature of the rest of the manifest (`hotswap release create --sign`), base64. */
  signature?: string;
}

/** The bytes a release signature covers: the manifest without its signature, as JSON with every object's keys sorted. */
export function releaseSigningPayload(manifest: ReleaseManifest): Buffer {
  const { signature: _signature, ...rest } = manifest;
  return Buffer.from(canonicalJson(rest));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Parses and checks the text of `release.json` at `path`. Throws `HOTSWAP_RELEASE_INVALID`. */
export function parseReleaseManifest(text: string, path: string): ReleaseManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidRelease(path, `it is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRelease(path, 'it is not an object');
  const m = value as Record<string, unknown>;
  if (typeof m['id'] !== 'string' || !RELEASE_ID_PATTERN.test(m['id'])) throw invalidRelease(path, 'its "id" is not a release id');
  if (typeof m['createdAt'] !== 'string' || Number.isNaN(Date.parse(m['createdAt']))) throw invalidRelease(path, 'its "createdAt" is not a date');
  for (const key of ['previous', 'signature'] as const) {
    if (m[key] !== undefined && typeof m[key] !== 'string') throw invalidRelease(path, `its "${key}" is not a string`);
  }
  if (!Array.isArray(m['plugins'])) throw invalidRelease(path, 'it has no "plugins" list');
  const names = new Set<string>();
  for (const entry of m['plugins'] as unknown[]) {
    const p = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { name, version, file, digest } = p;
    if (typeof name !== 'string' || !PLUGIN_NAME_PATTERN.test(name)) throw invalidRelease(path, `it lists a plugin with no valid "name"`);
    if (typeof version !== 'string' || version === '') throw invalidRelease(path, `plugin "${name}" has no "version"`);
    if (file !== `${name}${ARTIFACT_SUFFIX}`) throw invalidRelease(path, `plugin "${name}" has the file ${JSON.stringify(file)}, not ${name}${ARTIFACT_SUFFIX}`);
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw invalidRelease(path, `plugin "${name}" has no sha256 "digest"`);
    if (names.has(name.toLowerCase())) throw invalidRelease(path, `it lists plugin "${name}" twice`);
    names.add(name.toLowerCase());
  }
  return value as ReleaseManifest;
}

/**
 * Checks a release manifest's signature with `publicKey`. Throws
 * `HOTSWAP_RELEASE_UNSIGNED` or `HOTSWAP_RELEASE_SIGNATURE_INVALID`.
 */
export function verifyReleaseSignature(manifest: ReleaseManifest, publicKey: KeyObject, path: string): void {
  if (manifest.signature === undefined) {
    throw new HotswapError(
      ErrorCodes.RELEASE_UNSIGNED,
      `${path} is not signed, and this host loads only signed releases. Make the release with \`hotswap release create --sign <privateKey.pem>\` (or \`hotswap build --sign … --release …\`).`,
      { stage: 'verify' },
    );
  }
  let ok = false;
  try {
    ok = verify(null, releaseSigningPayload(manifest), publicKey, Buffer.from(manifest.signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new HotswapError(
      ErrorCodes.RELEASE_SIGNATURE_INVALID,
      `${path}: its signature does not match this host's public key (signed with another key, or altered after signing). ` +
        'Make the release again with the private key that matches the host, or fix the host\'s publicKey.',
      { stage: 'verify' },
    );
  }
}

/** The `HOTSWAP_RELEASE_INVALID` error for the release manifest, or release directory, at `path`. */
export function invalidRelease(path: string, why: string, fix = 'Make the release again with `hotswap release create`; a release directory is never edited by hand.'): HotswapError {
  return new HotswapError(ErrorCodes.RELEASE_INVALID, `${path} is not a valid release: ${why}. ${fix}`, { stage: 'scan' });
}
