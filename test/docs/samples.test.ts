// The code samples of docs/ compile, and the runnable ones run.
//
// For every Markdown page under docs/ (docs/reference/ is generated and left
// out), the fenced blocks become one TypeScript project per page:
//
// - ```ts or ```typescript: type-checked. If its first line is
//   `// file: <relative/path.ts>`, it is written at that path, so the blocks
//   of one page (a host, a plugin, a shared module) can import each other by
//   relative path. Otherwise it is a file of its own, `sample-<n>.ts`, where
//   n counts the page's ts blocks from 1.
// - ```ts run: the same, and then run with `node --import tsx <file>` in the
//   project, with @hotswap/core, @hotswap/cli and tsx linked into its
//   node_modules; it must exit 0 within 60 s. If the next fenced block is
//   ```text output, the program's stdout must equal it (trailing spaces of
//   each line and trailing blank lines aside).
// - ```ts ignore: neither checked nor run (a deliberately partial fragment).
// - ```json file=<path>: written at that path (a package.json with
//   "imports", a tsconfig.json whose compilerOptions.paths are honoured).
// - ```diff file=<path>: edits a file given above: its "-" and " " lines
//   must be found in it and become its "+" and " " lines.
// - A later block for a path already given replaces the file; the project is
//   checked again in each such state.
//
// Each project has a package.json with "type": "module" (unless the page
// gives one), so top-level await works, and is checked with the repository's
// strict settings (tsconfig.base.json, without noUnusedLocals and
// noUnusedParameters), @hotswap/core and @hotswap/cli resolving to the
// packages' sources. One test per page that has ts blocks.
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { markdownFiles, rel, ROOT } from './helpers/markdown.js';
import { readPage } from './helpers/project.js';
import { checkSamples } from './helpers/samples.js';

const pages = markdownFiles(join(ROOT, 'docs'), (path) => path === 'docs/reference')
  .map(readPage)
  .filter((p) => p.blocks.some((b) => b.kind === 'ts') || p.problems.length > 0);

describe('docs code samples', () => {
  test.each(pages.map((p) => [rel(p.page), p] as const))('%s', async (_name, project) => {
    const problems = await checkSamples(project);
    if (problems.length > 0) throw new Error(`${problems.length} problem(s) in ${rel(project.page)}:\n\n${problems.join('\n\n')}\n`);
  }, 300_000);
});
