// Just enough Markdown for the docs checks: fenced code blocks, headings and
// their GitHub anchors, and links. Line numbers are 1-based, as an editor shows.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A path relative to the repository root, with forward slashes, for messages. */
export function rel(path: string): string {
  return relative(ROOT, path).split(sep).join('/');
}

/** Every `.md` file under `dir`, sorted, skipping directories for which `skip` (given a root-relative path) is true. */
export function markdownFiles(dir: string, skip: (relPath: string) => boolean = () => false): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'node_modules' && !name.startsWith('.') && !skip(rel(path))) walk(path);
      } else if (name.endsWith('.md')) {
        found.push(path);
      }
    }
  };
  walk(dir);
  return found;
}

/** One fenced code block. */
export interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based line of the first line of content. */
  contentLine: number;
  /** 1-based line of the closing fence (or of the page's last line when the fence is left open). */
  endLine: number;
  /** The whole info string, trimmed: `ts run`, `json file=package.json`. */
  info: string;
  /** Its first word (the language), lower-cased; '' when there is none. */
  lang: string;
  /** The other words of the info string, as written. */
  words: string[];
  /** The content, without the fence's own indentation, ending in a newline unless empty. */
  text: string;
}

const OPEN = /^( {0,3}|\s*)(`{3,}|~{3,})(.*)$/;

/**
 * The fenced code blocks of a page, in order. A fence may be indented (a
 * block inside a list item); its indentation is taken off the content. A
 * fence left open runs to the end of the page, as CommonMark says.
 */
export function fences(markdown: string): Fence[] {
  const lines = markdown.split(/\r?\n/);
  const found: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const marker = open[2]!;
    const info = open[3]!.trim();
    if (marker.startsWith('`') && info.includes('`')) continue; // not a fence: inline code
    const close = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !close.test(lines[j]!); j++) {
      const line = lines[j]!;
      const lead = /^ */.exec(line)![0].length;
      body.push(line.slice(Math.min(lead, indent)));
    }
    const words = info.split(/\s+/).filter((w) => w !== '');
    found.push({
      line: i + 1,
      contentLine: i + 2,
      endLine: Math.min(j + 1, lines.length),
      info,
      lang: (words[0] ?? '').toLowerCase(),
      words: words.slice(1),
      text: body.length === 0 ? '' : `${body.join('\n')}\n`,
    });
    i = j;
  }
  return found;
}

/**
 * The page with every fenced block's lines blanked out (so line numbers stay
 * right) and every inline code span replaced by spaces: what is left is prose,
 * where links and headings live.
 */
export function prose(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/);
  for (const fence of fences(markdown)) {
    for (let i = fence.line - 1; i < fence.endLine; i++) lines[i] = '';
  }
  return lines.map(blankCodeSpans);
}

/** Replaces inline code spans (`` `x` ``, ``` ``x`` ```) by spaces, keeping the length. */
export function blankCodeSpans(line: string): string {
  return line.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (m) => ' '.repeat(m.length));
}

/** A heading and the anchor GitHub gives it. */
export interface Heading {
  line: number;
  text: string;
  slug: string;
}

/**
 * GitHub's anchor for a heading's text (the rules of github-slugger): the
 * rendered text lower-cased, every character that is not a letter, digit,
 * mark, space, `-` or `_` dropped, and each space turned into `-`.
 */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The text a heading renders to: code spans keep their content, links their text, emphasis markers and tags go. */
export function headingText(raw: string): string {
  const parts = raw.split(/(`+[^`]*?`+)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part.replace(/^`+ ?|[ ]?`+$/g, '');
      return part
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
        .replace(/<[^>]+>/g, '')
        .replace(/\*+/g, '')
        .replace(/(^|[^\p{L}\p{N}])_+|_+(?=[^\p{L}\p{N}]|$)/gu, '$1')
        .replace(/~~/g, '');
    })
    .join('')
    .trim();
}

/**
 * The page's anchors: every ATX (`## x`) and setext heading with GitHub's
 * slug, duplicates numbered `-1`, `-2` as GitHub does, plus explicit
 * `<a id="…">` / `<a name="…">` anchors.
 */
export function anchors(markdown: string): { headings: Heading[]; ids: Set<string> } {
  const lines = prose(markdown);
  const headings: Heading[] = [];
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  const add = (line: number, raw: string): void => {
    const text = headingText(raw);
    const base = slug(text);
    const n = seen.get(base);
    const unique = n === undefined ? base : `${base}-${n}`;
    seen.set(base, (n ?? 0) + 1);
    headings.push({ line, text, slug: unique });
    ids.add(unique);
  };
  const original = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    // Headings may hold code spans, so read them from the original line (fenced lines stay blank in `lines`).
    const line = lines[i]!;
    const atx = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line === '' ? '' : original[i]!);
    if (line !== '' && atx !== null) {
      add(i + 1, atx[2] ?? '');
    } else if (
      i > 0 &&
      /^ {0,3}(=+|-+)[ \t]*$/.test(line) &&
      lines[i - 1]!.trim() !== '' &&
      !/^ {0,3}(#|>|[-*+] |\d+[.)] |\||<)/.test(lines[i - 1]!) &&
      (i < 2 || lines[i - 2]!.trim() === '' || /^ {0,3}#/.test(lines[i - 2]!))
    ) {
      add(i, original[i - 1]!);
    }
    for (const m of line.matchAll(/<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*["']([^"']+)["']/gi)) ids.add(m[1]!);
  }
  return { headings, ids };
}

/** A link found in prose. */
export interface Link {
  line: number;
  /** The destination as written: `host-api.md#swapper`, `#install`, `https://…`. */
  target: string;
}

/**
 * The links of a page, outside code: inline links and images `[t](dest)`,
 * reference definitions `[ref]: dest`, autolinks `<https://…>` and HTML
 * `href="…"` / `src="…"`.
 */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  prose(markdown).forEach((line, i) => {
    const push = (target: string | undefined): void => {
      if (target !== undefined && target !== '') found.push({ line: i + 1, target });
    };
    for (const m of line.matchAll(/\]\(\s*(?:<([^>]*)>|((?:[^()\s]|\([^()\s]*\))*))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) push(m[1] ?? m[2]);
    const def = /^ {0,3}\[[^\]]+\]:\s*(?:<([^>]*)>|(\S+))/.exec(line);
    if (def !== null) push(def[1] ?? def[2]);
    for (const m of line.matchAll(/<((?:https?|mailto):[^>\s]+)>/g)) push(m[1]);
    for (const m of line.matchAll(/\s(?:href|src)\s*=\s*["']([^"']+)["']/gi)) push(m[1]);
  });
  return found;
}
