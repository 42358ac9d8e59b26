import { realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, ErrorCodes, HotswapError } from '../errors.js';

/** One release, as the cluster reload names it: its id and its concrete directory (never the `current` link). */
export interface ReleaseRef {
  /** The release's id: the name of its directory under `releases/`. */
  readonly id: string;
  /** The release's own directory, the `current` link resolved. */
  readonly dir: string;
}

/**
 * The release `<root>/current` points at now, resolved once: every worker of
 * a cluster reload is then given this directory, so a release activated
 * meanwhile cannot be seen by some of them. Throws `HOTSWAP_RELEASE_UNRESOLVED`
 * when there is no `current` link, or it does not lead to a directory.
 */
export function resolveReleaseRef(root: string): ReleaseRef {
  const link = join(root, 'current');
  let dir: string;
  try {
    dir = realpathSync(link);
  } catch (error) {
    throw new HotswapError(
      ErrorCodes.RELEASE_UNRESOLVED,
      `no release is active under ${root}: ${link} cannot be resolved (${describe(error)}). Activate a release (hotswap release activate), which points ${link} at releases/<id>.`,
      { cause: error },
    );
  }
  if (!statSync(dir).isDirectory()) {
    throw new HotswapError(ErrorCodes.RELEASE_UNRESOLVED, `${link} leads to ${dir}, which is not a directory. Point it at a release directory, releases/<id>.`);
  }
  return { id: basename(dir), dir };
}
