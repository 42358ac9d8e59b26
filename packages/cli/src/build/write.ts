import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicWriteError, writeFilesAtomic, type AtomicFile } from '../atomic.js';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { Packaged } from './package.js';

/** Artifacts are readable by all and writable by their owner only. */
const ARTIFACT_MODE = 0o644;
/** A new output directory likewise (the umask can only take bits away from it). */
const DIR_MODE = 0o755;

/**
 * Writes every artifact of a build (and with `leaveTemps` the kept bundles,
 * maps and metafiles) all together or not at all: if one cannot be written,
 * the artifacts already replaced are put back. Throws
 * `HOTSWAP_BUILD_OUTPUT_UNWRITABLE`.
 */
export function writeArtifacts(outputDir: string, plugins: readonly Packaged[]): void {
  // Modes set exactly, whatever the umask: a host refuses artifacts, and a plugin directory, that others may write.
  const files: AtomicFile[] = plugins.map((p) => ({ path: p.built.artifact, data: p.text, mode: ARTIFACT_MODE }));
  for (const plugin of plugins) {
    const dir = join(outputDir, '.hotswap-temp', plugin.built.name);
    for (const [name, text] of Object.entries(plugin.temps)) files.push({ path: join(dir, name), data: text });
  }
  try {
    mkdirSync(outputDir, { recursive: true, mode: DIR_MODE });
    writeFilesAtomic(files);
  } catch (error) {
    throw unwritable(outputDir, error);
  }
}

/** The `HOTSWAP_BUILD_OUTPUT_UNWRITABLE` error for a failed write under `outputDir`. */
export function unwritable(outputDir: string, error: unknown): BuildError {
  const where = error instanceof AtomicWriteError ? `${error.path}: ${error.reason}` : String(error);
  return new BuildError(
    BuildErrorCodes.OUTPUT_UNWRITABLE,
    `cannot write to the output directory ${outputDir} (${where}); nothing was written. ` +
      `Check that it is a directory the build may write to, and that no directory stands where an artifact goes.`,
    { cause: error },
  );
}
