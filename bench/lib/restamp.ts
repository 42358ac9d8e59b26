// Writes new versions of a built artifact without bundling again.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARTIFACT_SUFFIX, decodeArtifact, encodeArtifact, type Manifest } from '@hotswap/core';
import { marker } from './fixture.js';

/**
 * An artifact built once by `build()`, which can be written again as any
 * number of new versions without bundling again: the version marker in the
 * code is replaced and the manifest gets a new build stamp and hash, exactly
 * what a rebuild of an edited source would change.
 */
export interface Restamper {
  path: string;
  /** Writes version `n` of the artifact (atomically: a temp file, then a rename). */
  write(n: number): void;
  /** The same, off the event loop (libuv's thread pool), as a build in another process would be for a busy host. */
  writeAsync(n: number): Promise<void>;
}

export function restamper(path: string): Restamper {
  const built = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _hash, format: _format, ...manifest } = built.manifest;
  const base: Omit<Manifest, 'hash' | 'format'> = manifest;
  const current = marker(0);
  if (!built.code.includes(current)) throw new Error(`${path}: the version marker ${current} is not in the bundle`);
  return {
    path,
    write(n) {
      const code = built.code.split(current).join(marker(n));
      const temp = `${path}.tmp`;
      writeFileSync(temp, encodeArtifact({ ...base, buildStamp: `v${n}` }, code).text);
      renameSync(temp, path);
    },
    async writeAsync(n) {
      const code = built.code.split(current).join(marker(n));
      const temp = `${path}.tmp`;
      await writeFile(temp, encodeArtifact({ ...base, buildStamp: `v${n}` }, code).text);
      await rename(temp, path);
    },
  };
}


/**
 * Writes a copy of the artifact at `path` as plugin `name` in `dir`: the
 * same bundle under a new name, for graphs of many plugins with the same
 * code (a rebuild of each would only repeat the same bundling).
 */
export function copyAs(path: string, dir: string, name: string): string {
  const built = decodeArtifact(readFileSync(path, 'utf8'), path);
  const { hash: _hash, format: _format, signature: _signature, ...manifest } = built.manifest;
  const out = join(dir, `${name}${ARTIFACT_SUFFIX}`);
  writeFileSync(out, encodeArtifact({ ...manifest, name }, built.code).text);
  return out;
}

/** Writes `<dir>/release.json` for the artifacts in `dir`, as `hotswap release create` would: release `id` of a release root. */
export function sealRelease(dir: string, id: string): void {
  const plugins = readdirSync(dir)
    .filter((file) => file.endsWith(ARTIFACT_SUFFIX))
    .sort()
    .map((file) => {
      const artifact = decodeArtifact(readFileSync(join(dir, file), 'utf8'), join(dir, file));
      return { name: artifact.manifest.name, version: artifact.manifest.version, file, digest: artifact.digest };
    });
  writeFileSync(join(dir, 'release.json'), `${JSON.stringify({ id, createdAt: new Date().toISOString(), plugins })}\n`);
}
