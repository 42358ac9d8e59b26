import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fingerprint of the files of a plugin directory: every file's path, size,
 * modification time and inode, from `node_modules` and hidden entries
 * (editors' swap files) left out, and `skip` (an output directory inside it).
 * Taken before and after a build, it tells whether the build may have read
 * a file mid-write; compared with the last build's, whether an event changed
 * anything at all. Synchronous: a plugin's sources are a handful of files.
 */
export function sourceState(dir: string, skip: string): string {
  const parts: string[] = [];
  const walk = (at: string): void => {
    let entries;
    try {
      entries = readdirSync(at, { withFileTypes: true });
    } catch {
      parts.push(`${at}:missing`);
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(at, entry.name);
      if (path === skip) continue;
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      try {
        const stats = statSync(path, { bigint: true });
        parts.push(`${path}:${stats.size}:${stats.mtimeNs}:${stats.ino}`);
      } catch {
        // Gone since the listing: its absence is the state.
      }
    }
  };
  walk(dir);
  return parts.sort().join('\n');
}
