// Checks one Markdown link: the file it names exists, and its #anchor is a
// heading of that page as GitHub slugs it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { anchors, ROOT } from './markdown.js';

/** Links into this directory are not checked: `pnpm docs:api` generates it and git ignores it. */
export const GENERATED = 'docs/reference/api';

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let found = anchorCache.get(file);
  if (found === undefined) {
    found = anchors(readFileSync(file, 'utf8')).ids;
    anchorCache.set(file, found);
  }
  return found;
}

/** What is wrong with one link, or undefined if nothing is. */
export function checkLink(page: string, target: string, root: string = ROOT): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return undefined; // external
  const hash = target.indexOf('#');
  const rawPath = (hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash < 0 ? undefined : target.slice(hash + 1);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  if (path.startsWith('/')) return 'an absolute path: write it relative to the page';
  let file = page;
  if (path !== '') {
    file = resolve(dirname(page), path);
    const fromRoot = relative(root, file);
    if (fromRoot.startsWith('..')) return 'it points outside the repository';
    const posix = fromRoot.split('\\').join('/');
    if (posix === GENERATED || posix.startsWith(`${GENERATED}/`)) return undefined;
    if (!existsSync(file)) return `${posix} does not exist`;
    if (statSync(file).isDirectory()) {
      if (fragment === undefined) return undefined;
      file = join(file, 'README.md');
      if (!existsSync(file)) return `the directory ${posix} has no README.md for the anchor #${fragment}`;
    }
  }
  if (fragment === undefined || fragment === '') return undefined;
  if (!file.endsWith('.md')) {
    return /^L\d+(C\d+)?(-L\d+(C\d+)?)?$/.test(fragment) ? undefined : `#${fragment} is an anchor into ${relative(root, file).split('\\').join('/')}, which is not a Markdown page`;
  }
  let id: string;
  try {
    id = decodeURIComponent(fragment);
  } catch {
    return `#${fragment} is not valid percent-encoding`;
  }
  const ids = anchorsOf(file);
  if (ids.has(id)) return undefined;
  const near = closest(id, [...ids]);
  return `${relative(root, file).split('\\').join('/')} has no heading with the anchor #${id}${near === undefined ? '' : ` (did you mean #${near}?)`}`;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(3, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

