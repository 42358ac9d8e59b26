// The docs checks check: the Markdown reading, the link checker, the sample
// compiler and runner, and the getting-started follower, each on small pages
// made here (and on test/docs/fixtures/getting-started.md, the smallest page
// that keeps the getting-started contract).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { follow, plan } from './helpers/getting-started.js';
import { checkLink } from './helpers/links.js';
import { anchors, fences, headingText, links, ROOT, slug } from './helpers/markdown.js';
import { applyDiff, readPage, tempDir } from './helpers/project.js';
import { checkSamples } from './helpers/samples.js';
import { classify, shellCommands } from './helpers/shell.js';

const FIXTURE = join(ROOT, 'test', 'docs', 'fixtures', 'getting-started.md');
const work = tempDir('conventions');
afterAll(() => rmSync(work, { recursive: true, force: true }));

let pages = 0;
/** Writes a page (fences written with ''' to keep this file readable) and returns its path. */
function page(markdown: string, name = `page-${++pages}.md`): string {
  const path = join(work, name);
  writeFileSync(path, markdown.replace(/'''/g, '```'));
  return path;
}

describe('reading Markdown', () => {
  test('headings get the anchors GitHub gives them', () => {
    const cases: [string, string][] = [
      ['4. The shared module', '4-the-shared-module'],
      ['Keep no reference to an old generation', 'keep-no-reference-to-an-old-generation'],
      ['`Swapper.reload()` and `reload(cb)`', 'swapperreload-and-reloadcb'],
      ['The `live_` prefix', 'the-live_-prefix'],
      ['What "done" means — for the whole', 'what-done-means--for-the-whole'],
      ['**Bold** and [a link](x.md)', 'bold-and-a-link'],
      ['Errors: HOTSWAP_DEP_CYCLE', 'errors-hotswap_dep_cycle'],
      ['Déjà vu?', 'déjà-vu'],
    ];
    for (const [heading, anchor] of cases) expect(slug(headingText(heading)), heading).toBe(anchor);
  });

  test('repeated headings are numbered; headings in code blocks are not headings', () => {
    const md = ['# Title', '## Usage', 'text', '## Usage', '```sh', '# a comment', '```', 'Setext', '------', '<a id="custom"></a>'].join('\n');
    const { headings, ids } = anchors(md);
    expect(headings.map((h) => h.slug)).toEqual(['title', 'usage', 'usage-1', 'setext']);
    expect(ids.has('custom')).toBe(true);
    expect(ids.has('a-comment')).toBe(false);
  });

  test('fences keep their info words and lose the indentation of a list item', () => {
    const md = ['- item:', '', '  ```ts run', '  const a = 1;', '    nested();', '  ```', '', '~~~json file=package.json', '{}', '~~~'].join('\n');
    const found = fences(md);
    expect(found.map((f) => [f.lang, f.words, f.line, f.contentLine, f.endLine])).toEqual([
      ['ts', ['run'], 3, 4, 6],
      ['json', ['file=package.json'], 8, 9, 10],
    ]);
    expect(found[0]!.text).toBe('const a = 1;\n  nested();\n');
  });

  test('links are read from prose, not from code', () => {
    const md = ['See [a](a.md#x) and `[b](b.md)`.', '```md', '[c](c.md)', '```', '[ref]: <d e.md>', '<https://example.org>', '![i](img.png "t")'].join('\n');
    expect(links(md)).toEqual([
      { line: 1, target: 'a.md#x' },
      { line: 5, target: 'd e.md' },
      { line: 6, target: 'https://example.org' },
      { line: 7, target: 'img.png' },
    ]);
  });
});

describe('checking links', () => {
  test('files and anchors are checked, external links are not', () => {
    const dir = join(work, 'links');
    mkdirSync(join(dir, 'docs', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'docs', 'a.md'), '# A\n\n## Host API\n');
    writeFileSync(join(dir, 'docs', 'sub', 'README.md'), '# Sub\n');
    const from = join(dir, 'docs', 'index.md');
    writeFileSync(from, '# Index\n');
    const check = (target: string): string | undefined => checkLink(from, target, dir);
    expect(check('a.md')).toBeUndefined();
    expect(check('a.md#host-api')).toBeUndefined();
    expect(check('#index')).toBeUndefined();
    expect(check('sub')).toBeUndefined();
    expect(check('sub/#sub')).toBeUndefined();
    expect(check('https://example.org/missing')).toBeUndefined();
    expect(check('reference/api/index.html')).toBeUndefined(); // generated, not checked
    expect(check('b.md')).toBe('docs/b.md does not exist');
    expect(check('a.md#host')).toBe('docs/a.md has no heading with the anchor #host');
    expect(check('a.md#host-apis')).toBe('docs/a.md has no heading with the anchor #host-apis (did you mean #host-api?)');
    expect(check('#nowhere')).toMatch(/^docs\/index.md has no heading with the anchor #nowhere/);
    expect(check('../../outside.md')).toBe('it points outside the repository');
    expect(check('/docs/a.md')).toBe('an absolute path: write it relative to the page');
  });
});

describe('code samples', () => {
  test('blocks with `// file:` form one project; ignored blocks are skipped', async () => {
    const problems = await checkSamples(
      readPage(
        page(`
'''ts
// file: shared/g.ts
export const greeting: string = 'hi';
'''

'''ts
// file: host.ts
import { Swapper } from '@hotswap/core';
import { greeting } from './shared/g.ts';
const swapper = new Swapper({ pluginDir: 'bin' });
await swapper.load(undefined);
console.log(greeting, swapper.reloadCounter);
'''

'''ts
const standalone: number = 1;
export {};
'''

'''ts ignore
this is not TypeScript
'''
`),
      ),
    );
    expect(problems).toEqual([]);
  }, 60_000);

  test('a type error is reported with the page line, the block and the file line', async () => {
    const path = page(`# Page

'''ts
const fine = 1;
'''

'''ts
import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { greet: 42 } });
const n: number = 'not a number';
'''
`);
    const problems = await checkSamples(readPage(path));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/page-\d+\.md:9:\d+ \(ts block 2, sample-2\.ts:2:\d+\): error TS\d+: /);
    expect(problems[1]).toMatch(/page-\d+\.md:10:7 \(ts block 2, sample-2\.ts:3:7\): error TS2322: Type 'string' is not assignable to type 'number'\./);
  });

  test('a changed file is checked again; a diff that does not apply is reported', async () => {
    const problems = await checkSamples(
      readPage(
        page(`
'''ts
// file: a.ts
export const a: number = 1;
'''

'''diff file=a.ts
-export const a: number = 1;
+export const a: number = 'one';
'''

'''diff file=a.ts
-export const b = 2;
+export const b = 3;
'''
`),
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/page-\d+\.md:\d+: the diff does not apply to a\.ts: these lines are not in it:\n {4}export const b = 2;/);
    expect(problems[1]).toMatch(/page-\d+\.md:7 \(a\.ts:2:14, as the diff at this line leaves it\): error TS2322/);
  });

  test('a `ts run` block runs; its stdout is compared with the `text output` block', async () => {
    const good = await checkSamples(
      readPage(
        page(`
'''ts run
import { CORE_VERSION } from '@hotswap/core';
console.log(typeof CORE_VERSION);
console.log('two  ');
'''

'''text output
string
two
'''
`),
      ),
    );
    expect(good).toEqual([]);
    const bad = await checkSamples(
      readPage(
        page(`
'''ts run
console.log('one');
'''

'''text output
two
'''

'''ts run
process.exit(3);
'''
`),
      ),
    );
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatch(/\(ts run block 1, sample-1\.ts\): its stdout differs from the text output block at .*page-\d+\.md:6\.\n {2}expected:\n {4}two\n {2}printed:\n {4}one/);
    expect(bad[1]).toMatch(/\(ts run block 2, sample-2\.ts\): exited with 3, not 0\./);
  });

  test('unknown info strings and misplaced output blocks break the conventions', () => {
    const project = readPage(page(`
'''ts twoslash
const a = 1;
'''

'''text output
nothing ran
'''

'''ts
// file: ../escape.ts
'''
`));
    expect(project.problems).toHaveLength(3);
    expect(project.problems[0]).toMatch(/:2: ts block 1 has the info string "ts twoslash"/);
    expect(project.problems[1]).toMatch(/:6: a "text output" block must come right after a "ts run" block/);
    expect(project.problems[2]).toMatch(/:10: ts block 2 names the file "\.\.\/escape\.ts": the path must stay inside the project/);
  });

  test('diffs apply by content', () => {
    expect(applyDiff('a\nb\nc\n', ' a\n-b\n+B\n')).toBe('a\nB\nc\n');
    expect(applyDiff('a\n', '-x\n+y\n')).toEqual({ error: 'these lines are not in it:\n    x' });
  });
});

describe('shell commands', () => {
  test('are split and classified the way the getting-started test follows them', () => {
    const commands = shellCommands("mkdir my-app && cd my-app\nnpx hotswap build plugins bin --shared '#g'   # a comment\nkill -USR1 $(cat host.pid)\nnode --import tsx \\\n  host/main.ts\n");
    expect(commands.map((c) => [c.lineOffset, c.words])).toEqual([
      [0, ['mkdir', 'my-app']],
      [0, ['cd', 'my-app']],
      [1, ['npx', 'hotswap', 'build', 'plugins', 'bin', '--shared', '#g']],
      [2, ['kill', '-USR1', '$(cat host.pid)']],
      [3, ['node', '--import', 'tsx', 'host/main.ts']],
    ]);
    const scripts = { start: 'node --import tsx host.ts', 'build:plugins': "hotswap build plugins bin --shared '#g'" };
    expect(classify(commands[2]!.words)).toEqual({ kind: 'hotswap', args: ['build', 'plugins', 'bin', '--shared', '#g'] });
    expect(classify(commands[3]!.words)).toEqual({ kind: 'signal', signal: 'SIGUSR1', pidFile: 'host.pid' });
    expect(classify(commands[4]!.words)).toEqual({ kind: 'start', file: 'host/main.ts', nodeArgs: ['--import', 'tsx', 'host/main.ts'] });
    expect(classify(['npm', 'start'], scripts)).toEqual({ kind: 'start', file: 'host.ts', nodeArgs: ['--import', 'tsx', 'host.ts'] });
    expect(classify(['npm', 'run', 'build:plugins'], scripts)).toEqual({ kind: 'hotswap', args: ['build', 'plugins', 'bin', '--shared', '#g'] });
    expect(classify(['npx', 'tsx', 'host.ts'])).toEqual({ kind: 'start', file: 'host.ts', nodeArgs: ['--import', 'tsx', 'host.ts'] });
    expect(classify(['npm', 'install', 'tsx'])).toEqual({ kind: 'skip' });
    expect(classify(['npm', 'install', '-D', '../packs/hotswap-cli-0.1.0.tgz', 'tsx'])).toEqual({ kind: 'install', args: ['-D', '../packs/hotswap-cli-0.1.0.tgz', 'tsx'] });
    expect(classify(['npm', 'run', 'nope'], scripts)).toMatchObject({ kind: 'error' });
  });
});

describe('the getting-started contract', () => {
  test('the fixture page keeps it: the host serves the plugin, then the changed one', async () => {
    await follow(FIXTURE, { installs: 'link' });
  }, 120_000);

  test('the fixture page also passes the samples check (its tsconfig.json paths resolve #g from the plugin)', async () => {
    expect(await checkSamples(readPage(FIXTURE))).toEqual([]);
  }, 60_000);

  test('a page without the change, or without a reload after it, is told so', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const noChange = page(text.replace(/```diff file=plugins\/greeter\/index\.ts[\s\S]*?```\n/, ''), 'no-change.md');
    expect(plan(noChange).problems).toEqual([
      'the page never changes plugins/greeter/index.ts: give it again later on the page (a whole `// file: plugins/greeter/index.ts` block or a `diff file=plugins/greeter/index.ts` block).',
    ]);
    const noReload = page(text.replace('npm run build:plugins\nkill -USR1 $(cat host.pid)\n', 'echo done\n'), 'no-reload.md');
    expect(plan(noReload).problems).toEqual([expect.stringMatching(/^step 13 \(.*no-reload\.md:88, change plugins\/greeter\/index\.ts\): no command after the change/)]);
    const noStart = page(text.replace('npm start\n', ''), 'no-start.md');
    expect(plan(noStart).problems).toEqual([expect.stringMatching(/must start the host with exactly one command .* it has 0\./)]);
  });

  test('a host that never reloads fails at the reload step', async () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const noSignal = page(text.replace('kill -USR1 $(cat host.pid)\n', 'echo "forgot to reload"\n'), 'no-signal.md');
    await expect(follow(noSignal, { reloadTimeoutMs: 3000, installs: 'link' })).rejects.toThrow(
      /^step 14 \(.*no-signal\.md:96, `npm run build:plugins`\): after the change at .*no-signal\.md:88 and the reload step \(step 14\), the host never printed "Good morning"/,
    );
  }, 120_000);
});
