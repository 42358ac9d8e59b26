import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT_SUFFIX, decodeArtifact } from '../artifact.js';

/**
 * What a plugin directory holds, as the watcher sees it: whether every
 * artifact is whole (its bundle matches its manifest's hash), and a
 * fingerprint of the artifacts' names and file identities (inode, size,
 * modification and change times), so a change event that changed nothing
 * (a second event of one write) reloads nothing. Only the files whose
 * identity changed since they were last found whole are read and hashed:
 * the check runs on every change, on the path from an edit to the new code
 * serving. Synchronous: a directory listing and a `stat` per artifact take
 * microseconds, where each trip through libuv's thread pool can take
 * milliseconds on a loaded machine; the one read of a changed artifact is
 * about as long as hashing it, which is synchronous anyway.
 */
export class DirState {
  /** Path → identity (inode, size, mtime) of the file when it was last found whole. */
  readonly #whole = new Map<string, string>();

  clear(): void {
    this.#whole.clear();
  }

  /**
   * The directory's fingerprint if every artifact in it is whole; undefined
   * while one is not, or the directory is missing or holds no artifact (made
   * again and not filled yet: `rm -rf bin && hotswap build`), which no swapper
   * would load.
   */
  read(dir: string): string | undefined {
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith(ARTIFACT_SUFFIX)).sort();
    } catch {
      return undefined;
    }
    if (names.length === 0) return undefined;
    const present = new Set<string>();
    const fingerprint: string[] = [];
    for (const name of names) {
      const path = join(dir, name);
      present.add(path);
      try {
        const stats = statSync(path, { bigint: true });
        fingerprint.push(`${name}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`);
        if (!stats.isFile()) continue; // Not an artifact at all: the reload reports it.
        const identity = `${stats.ino}:${stats.size}:${stats.mtimeNs}`;
        if (this.#whole.get(path) === identity) continue;
        decodeArtifact(readFileSync(path, 'utf8'), path);
        this.#whole.set(path, identity);
      } catch {
        this.#whole.delete(path);
        return undefined;
      }
    }
    for (const path of this.#whole.keys()) if (!present.has(path)) this.#whole.delete(path);
    return fingerprint.join('\n');
  }
}
