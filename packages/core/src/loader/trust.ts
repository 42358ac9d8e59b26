import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, HotswapError } from '../errors.js';

/**
 * Refuses the plugin directory, or an artifact in it, that someone other
 * than the host's user or root could change: writable by its group or by
 * every user, or owned by another user. Whoever can change it can run code in
 * the host. The rules of OpenSSH's `StrictModes`; not checked on Windows.
 * `uid` is the host's user, asked once per scan by a caller that checks many
 * files (the host may change its user with `process.setuid`, so never once for good).
 */
export function checkOwnerAndMode(path: string, info: Stats, what: 'directory' | 'artifact', uid: number | undefined = process.getuid?.()): void {
  if (process.platform === 'win32') return;
  // Checked on every artifact at every reload: the words of the error are made only when there is one.
  if ((info.mode & 0o022) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    const writers = [(info.mode & 0o020) !== 0 ? 'its group' : undefined, (info.mode & 0o002) !== 0 ? 'every user' : undefined].filter(
      (w) => w !== undefined,
    );
    throw insecure(
      `${path} is writable by ${writers.join(' and ')} (mode ${mode}), so other users could run code in this host. ` +
        `Make it writable by its owner only (chmod g-w,o-w ${path})`,
    );
  }
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) {
    throw insecure(
      `${path} is owned by uid ${info.uid}, neither this host's user (uid ${uid}) nor root, so that user could run code in this host. ` +
        `Give the ${what} to the host's user or to root (chown ${uid} ${path}), or run the host as its owner`,
    );
  }
}

/**
 * Refuses an artifact that is a symbolic link to a file anywhere but the
 * plugin directory itself: the directory it points into is not checked, so
 * it may be writable by others. `real` and `realDir` are resolved paths.
 */
export function checkLinkTarget(path: string, real: string, realDir: string): void {
  if (dirname(real) === realDir) return;
  throw insecure(
    `${path} is a symbolic link to ${real}, outside the plugin directory ${realDir}, whose permissions are not checked. ` +
      `Copy the artifact into ${join(realDir, basename(path))} instead of linking to it (a link to another file in the plugin directory is fine)`,
  );
}

function insecure(text: string): HotswapError {
  return new HotswapError(
    ErrorCodes.PLUGIN_DIR_INSECURE,
    `${text}, or set the swapper's allowInsecurePluginDir option if that is really meant.`,
    { stage: 'scan' },
  );
}
