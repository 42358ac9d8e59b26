import { basename, join } from 'node:path';
import type { Artifact } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import { whitelistSet } from '../loader/select.js';
import { keyOf } from '../names.js';
import { invalidRelease, RELEASE_MANIFEST } from './manifest.js';
import type { ResolvedRelease } from './resolve.js';

/**
 * Checks the artifacts read from a release directory against its manifest,
 * before any of them is evaluated: each one is listed, under its file name,
 * with the digest of its bytes; and each listed plugin the whitelist allows
 * was read. Throws `HOTSWAP_RELEASE_DIGEST_MISMATCH` for an artifact whose
 * bytes are not those of the release, `HOTSWAP_RELEASE_INVALID` otherwise.
 */
export function checkReleaseArtifacts(release: ResolvedRelease, artifacts: readonly Artifact[], whitelist: readonly string[] | undefined): void {
  const path = join(release.dir, RELEASE_MANIFEST);
  const listed = new Map(release.manifest.plugins.map((p) => [keyOf(p.name), p]));
  for (const artifact of artifacts) {
    const entry = listed.get(keyOf(artifact.manifest.name));
    if (entry === undefined || entry.file !== basename(artifact.path)) {
      throw invalidRelease(path, `${artifact.path} is in the release directory but not in its manifest`);
    }
    if (entry.digest !== artifact.digest) {
      throw new HotswapError(
        ErrorCodes.RELEASE_DIGEST_MISMATCH,
        `${artifact.path} is not the artifact release ${release.id} was made with: its sha256 is ${artifact.digest.slice(0, 12)}…, ` +
          `the release lists ${entry.digest.slice(0, 12)}…. The file was altered after the release was made: make a new release (\`hotswap release create\`), ` +
          'or activate another one.',
        { plugin: artifact.manifest.name, stage: 'verify', release: release.id, expected: entry.digest, actual: artifact.digest },
      );
    }
  }
  const read = new Set(artifacts.map((a) => keyOf(a.manifest.name)));
  const wanted = whitelistSet(whitelist);
  for (const [key, entry] of listed) {
    if (read.has(key) || (wanted !== undefined && !wanted.has(key))) continue;
    throw invalidRelease(path, `it lists ${entry.file}, which is not in the release directory`);
  }
}
