// The links of README.md and docs/**/*.md lead somewhere.
//
// Every relative link must point to a file or directory of the repository,
// and every #anchor (on the same page or another Markdown page) must be the
// anchor GitHub gives one of that page's headings (lower-cased, punctuation
// other than "-" and "_" dropped, spaces turned into "-", repeats numbered
// -1, -2) or an explicit <a id="…">. External links (http:, https:, mailto:)
// are not fetched. Links into docs/reference/api/, which `pnpm docs:api`
// generates and git ignores, are not checked. All broken links are reported
// together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLink, GENERATED } from './helpers/links.js';
import { links, markdownFiles, rel, ROOT } from './helpers/markdown.js';

const pages = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'), (path) => path === GENERATED)];

describe('docs links', () => {
  test('every relative link and #anchor in README.md and docs/ resolves', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      for (const link of links(readFileSync(page, 'utf8'))) {
        checked++;
        const problem = checkLink(page, link.target);
        if (problem !== undefined) broken.push(`${rel(page)}:${link.line}: (${link.target}) ${problem}`);
      }
    }
    expect(checked, 'no link found at all: the link reader is broken').toBeGreaterThan(0);
    if (broken.length > 0) throw new Error(`${broken.length} broken link(s):\n${broken.join('\n')}\n`);
  });
});
