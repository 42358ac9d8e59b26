import { join } from 'node:path';
import { AtomicWriteError, writeFilesAtomic, type AtomicFile } from '../atomic.js';
import { BuildError, BuildErrorCodes } from '../errors.js';
import type { Packaged } from './package.js';

/**
 * Writes every artifact of a build (and with `leaveTemps` the kept bundles,
 * maps and metafiles) all together or not at all: if one cannot be written,
 * the artifacts already replaced are put back. Throws
 * `HOTSWAP_BUILD_OUTPUT_UNWRITABLE`.
 */
export function writeArtifacts(outputDir: string, plugins: readonly Packaged[]): void {
  const files: AtomicFile[] = plugins.map((p) => ({ path: p.built.artifact, data: p.text }));
  for (const plugin of plugins) {
    const dir = join(outputDir, '.hotswap-temp', plugin.built.name);
    for (const [name, text] of Object.entries(plugin.temps)) files.push({ path: join(dir, name), data: text });
  }
  try {
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
