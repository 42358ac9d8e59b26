// `build()` with real esbuild on real files.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError, BuildErrorCodes, build, parseEsbuildFlags } from '@hotswap/cli';
import { ARTIFACT_SUFFIX, CORE_VERSION, decodeArtifact, isHotswapError } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace();
});
afterEach(() => ws.cleanup());

const plugin = `import { definePlugin } from '@hotswap/core/plugin';
import { helper } from './lib/helper.js';
export default definePlugin({ functions: { run: () => helper() } });`;

const definition = (label: string): string =>
  `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { whoami: () => ${JSON.stringify(label)} } });\n`;

async function buildError(promise: Promise<unknown>): Promise<BuildError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BuildError)) throw new Error(`expected a BuildError, got ${String(error)}`);
  expect(isHotswapError(error)).toBe(true);
  return error;
}

describe('build', () => {
  it('writes one artifact per plugin with its manifest and an inline source map', async () => {
    ws.plugin('alpha', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = (): string => 'alpha';` }, '2.3.4');
    ws.plugin('beta', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = (): string => 'beta';` });
    const result = await ws.build({ buildStamp: 'stamp-x' });
    expect(result.plugins.map((p) => p.name)).toEqual(['alpha', 'beta']);
    expect(readdirSync(ws.bin).sort()).toEqual(['alpha.hotswap.js', 'beta.hotswap.js']);
    const path = join(ws.bin, 'alpha.hotswap.js');
    const artifact = decodeArtifact(readFileSync(path, 'utf8'), path);
    expect(artifact.manifest).toMatchObject({
      format: 1,
      name: 'alpha',
      version: '2.3.4',
      core: CORE_VERSION,
      shared: ['@hotswap/core/plugin'],
      buildStamp: 'stamp-x',
      entry: 'index.ts',
    });
    expect(artifact.manifest.hash).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(artifact.code).toContain('require("@hotswap/core/plugin")');
    const map = /\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,(\S+)\n$/.exec(artifact.code);
    expect(map).not.toBeNull();
    const sources = (JSON.parse(Buffer.from(map![1]!, 'base64').toString()) as { sources: string[] }).sources;
    expect(sources.some((s) => s.endsWith('alpha/lib/helper.ts'))).toBe(true);
    expect(result.plugins[0]?.inputs.sort()).toEqual(['index.ts', 'lib/helper.ts']);
  });

  it('builds a single plugin directory, and filters by --include and --exclude', async () => {
    ws.plugin('alpha', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 1;` });
    ws.plugin('beta', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 2;` });
    ws.plugin('gamma', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 3;` });
    expect((await build({ pluginDir: join(ws.src, 'beta'), outputDir: ws.bin })).plugins.map((p) => p.name)).toEqual(['beta']);
    expect((await ws.build({ include: /^(alpha|gamma)$/, exclude: /^gamma$/ })).plugins.map((p) => p.name)).toEqual(['alpha']);
  });

  it('keeps npm packages in the bundle and node built-ins and shared modules out', async () => {
    mkdirSync(join(ws.root, 'node_modules', 'tiny-lib'), { recursive: true });
    writeFileSync(join(ws.root, 'node_modules', 'tiny-lib', 'package.json'), '{"name":"tiny-lib","version":"1.0.0","main":"index.js"}');
    writeFileSync(join(ws.root, 'node_modules', 'tiny-lib', 'index.js'), 'exports.bold = (s) => "**" + s + "**";');
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
import { createHash } from 'node:crypto';
import { readFileSync } from 'fs';
import { bold } from 'tiny-lib';
import { say } from '#g';
export default definePlugin({ functions: { run: () => [createHash, readFileSync, bold, say] } });`,
    });
    const result = await ws.build({ shared: ['#g'] });
    const code = readFileSync(result.plugins[0]!.artifact, 'utf8');
    expect(result.plugins[0]?.manifest.shared).toEqual(['#g', '@hotswap/core/plugin']);
    expect(code).toContain('require("node:crypto")');
    expect(code).toContain('require("fs")');
    expect(code).not.toContain('require("tiny-lib")');
    expect(code).toContain('"**" + s + "**"');
    expect(result.plugins[0]?.inputs.some((i) => i.includes('node_modules/tiny-lib/index.js'))).toBe(true);
  });

  it('passes bundler flags after -- to esbuild', async () => {
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
declare const GREETING: string;
export default definePlugin({ functions: { greet: () => GREETING } });`,
    });
    const result = await ws.build({ bundlerFlags: ['--define:GREETING="hi there"'] });
    expect(readFileSync(result.plugins[0]!.artifact, 'utf8')).toContain('"hi there"');
  });

  it('with write: false bundles and checks but writes nothing', async () => {
    ws.plugin('p', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 1;` });
    const result = await ws.build({ write: false });
    expect(result.written).toBe(false);
    expect(result.plugins).toHaveLength(1);
    expect(existsSync(ws.bin)).toBe(false);
  });

  it('with leaveTemps keeps the bundle, map and metafile, and never leaves temporary artifacts', async () => {
    ws.plugin('p', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 1;` });
    await ws.build({ leaveTemps: true });
    expect(readdirSync(join(ws.bin, '.hotswap-temp', 'p')).sort()).toEqual(['bundle.js', 'bundle.js.map', 'meta.json']);
    expect(readdirSync(ws.bin).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('build errors write nothing', () => {
  it('a syntax error gives file, line, column and a code frame', async () => {
    ws.plugin('good', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 1;` });
    ws.plugin('bad', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({\n  functions: { run: () => { return 1 +; } },\n});\n`,
    });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.BUNDLE_FAILED);
    expect(error.plugin).toBe('bad');
    expect(error.locations[0]).toMatchObject({ line: 3, column: 39 });
    expect(error.locations[0]?.file).toMatch(/bad\/index\.ts$/);
    expect(error.message).toMatch(/bad\/index\.ts:3:39: /);
    expect(error.formatted).toContain('return 1 +; }');
    expect(error.formatted).toMatch(/\^/);
    expect(existsSync(ws.bin)).toBe(false);
  });

  it('with several plugins failing, reports the first by name, whichever esbuild finished first', async () => {
    ws.plugin('alpha', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { run: () => { return 1 +; } } });` });
    ws.plugin('beta', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 1;` });
    ws.plugin('gamma', { 'index.ts': `export const notAPlugin = 1;` });
    for (let i = 0; i < 3; i++) {
      const error = await buildError(ws.build());
      expect([error.plugin, error.code]).toEqual(['alpha', BuildErrorCodes.BUNDLE_FAILED]);
    }
    expect(existsSync(ws.bin)).toBe(false);
  });

  it('an import that does not resolve', async () => {
    ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nimport { x } from './missing.js';\nexport default definePlugin({ functions: { x } });` });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.BUNDLE_FAILED);
    expect(error.message).toContain('Could not resolve "./missing.js"');
    expect(error.message).toContain('Check the path');
    expect(error.locations[0]).toMatchObject({ line: 2 });
  });

  it('a package that is not installed: says to install it or share it, not to mark it external (a flag hotswap refuses)', async () => {
    ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
import leftPad from 'left-pad-not-installed';
export default definePlugin({ functions: { pad: () => leftPad } });` });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.BUNDLE_FAILED);
    expect(error.message).toContain('Could not resolve "left-pad-not-installed"');
    expect(error.message).toContain('npm install left-pad-not-installed');
    expect(error.message).toContain('--shared');
    expect(error.formatted).toContain('npm install left-pad-not-installed');
    expect(error.formatted).not.toMatch(/as external/);
  });

  it('an entry with no plugin definition', async () => {
    ws.plugin('p', { 'index.ts': `export const notAPlugin = 1;` });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.NO_DEFINITION);
    expect(error.message).toContain('export default definePlugin');
  });

  it('a module outside the plugin directory', async () => {
    writeFileSync(join(ws.src, 'host-code.ts'), 'export const shared = {};');
    ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nimport { shared } from '../host-code.js';\nexport default definePlugin({ functions: { shared: () => shared } });` });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.OUTSIDE_MODULE);
    expect(error.message).toContain('host-code.ts');
    expect(error.message).toContain('--shared');
  });

  it('an output directory that is not writable', async () => {
    ws.plugin('p', { 'index.ts': plugin, 'lib/helper.ts': `export const helper = () => 1;` });
    writeFileSync(join(ws.root, 'file'), 'not a directory');
    const error = await buildError(build({ pluginDir: ws.src, outputDir: join(ws.root, 'file', 'bin') }));
    expect(error.code).toBe(BuildErrorCodes.OUTPUT_UNWRITABLE);
    if (process.getuid?.() !== 0) {
      mkdirSync(ws.bin);
      chmodSync(ws.bin, 0o500);
      try {
        expect((await buildError(ws.build())).code).toBe(BuildErrorCodes.OUTPUT_UNWRITABLE);
        expect(readdirSync(ws.bin)).toEqual([]);
      } finally {
        chmodSync(ws.bin, 0o755);
      }
    }
  });

  it('a directory with no plugin, and a plugin with no entry', async () => {
    expect((await buildError(ws.build())).code).toBe(BuildErrorCodes.NO_PLUGINS);
    mkdirSync(join(ws.src, 'empty'));
    expect((await buildError(ws.build())).code).toBe(BuildErrorCodes.NO_PLUGINS);
    expect((await buildError(ws.build({ include: /^nothing$/ }))).message).toContain('--include');
  });

  // Each of these used to build, exit 0, and write artifacts every host refuses.
  it('two plugins whose names differ only in case', async () => {
    ws.plugin('Foo', { 'index.ts': `export { default } from './def';`, 'def.ts': definition('Foo') });
    ws.plugin('foo', { 'index.ts': `export { default } from './def';`, 'def.ts': definition('foo') });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.BAD_NAME);
    expect(error.message).toContain('differ only in case');
    expect(existsSync(ws.bin)).toBe(false);
  });

  it.each([['banana'], ['1.0'], ['../../x'], ['1.0.0\nx'], [3]])('a package.json version that is not semver: %j', async (version) => {
    ws.plugin('p', { 'index.ts': definition('p'), 'package.json': JSON.stringify({ name: 'p', version }) });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.BAD_PACKAGE_JSON);
    expect(error.message).toContain('not a semver version');
    expect(existsSync(ws.bin)).toBe(false);
  });

  it.each([[''], ['a b'], ['x'.repeat(201)]])('a build stamp a host would refuse: %j', async (buildStamp) => {
    ws.plugin('p', { 'index.ts': definition('p') });
    expect((await buildError(ws.build({ buildStamp }))).code).toBe(BuildErrorCodes.BAD_OPTION);
    expect(existsSync(ws.bin)).toBe(false);
  });

  it('an entry that is a FIFO is refused, and one among the modules is left out, instead of blocking the build for good', async () => {
    ws.plugin('p', { 'index.ts': definition('p') });
    execFileSync('mkfifo', [join(ws.src, 'p', 'pipe.ts')]);
    const result = await ws.build();
    expect(result.plugins.map((p) => p.name)).toEqual(['p']);
    ws.plugin('q', {});
    execFileSync('mkfifo', [join(ws.src, 'q', 'index.ts')]);
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.NO_DEFINITION);
    expect(error.message).toContain('not a regular file');
  });
});

describe('symbolic links', () => {
  it('builds through a plugin directory reached by a symbolic link, and a plugin that is one', async () => {
    ws.plugin('a', { 'index.ts': definition('a') });
    const elsewhere = join(ws.root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'index.ts'), definition('b'));
    symlinkSync(elsewhere, join(ws.src, 'b'));
    const link = join(ws.root, 'plugins-link');
    symlinkSync(ws.src, link);
    const result = await build({ pluginDir: link, outputDir: ws.bin });
    expect(result.plugins.map((p) => p.name)).toEqual(['a', 'b']);
    expect(readdirSync(ws.bin).sort()).toEqual(['a.hotswap.js', 'b.hotswap.js']);
  });
});

describe('bundler flags', () => {
  it('turns esbuild CLI flags into options', () => {
    expect(parseEsbuildFlags(['--define:A=1', '--minify', '--target=node22', '--drop:console', '--keep-names=false'])).toEqual({
      define: { A: '1' },
      minify: true,
      target: ['node22'],
      drop: ['console'],
      keepNames: false,
    });
  });

  it.each(['--format=esm', '--outfile=x.js', '--sourcemap', '--external:lodash', '--bogus', 'plain', '--define:A'])(
    'refuses %s with HOTSWAP_BUILD_BAD_FLAG',
    (flag) => {
      expect(thrown(() => parseEsbuildFlags([flag])).code).toBe(BuildErrorCodes.BAD_FLAG);
    },
  );
});

it('names artifacts <plugin>.hotswap.js', () => {
  expect(ARTIFACT_SUFFIX).toBe('.hotswap.js');
});
