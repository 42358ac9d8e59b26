// Faults a user can cause with the command line and build(): each fails with
// its stable code and the documented exit code, prints no stack trace, and
// leaves what was there before as it was.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError, BuildErrorCodes, CliErrorCodes, ExitCodes } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace();
});
afterEach(() => ws.cleanup());

const isRoot = process.getuid?.() === 0;
const source = (answer: string): string =>
  `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { whoami: () => ${JSON.stringify(answer)} } });\n`;

async function buildError(promise: Promise<unknown>): Promise<BuildError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BuildError)) throw new Error(`expected a BuildError, got ${String(error)}`);
  return error;
}

/** Runs the command line and checks it failed the documented way: the exit code, the code on the last line, no stack. */
async function fails(exit: number, code: string, ...argv: string[]): Promise<string> {
  const { code: status, err } = await runCli(...argv);
  expect(err.trimEnd().split('\n').at(-1), err).toBe(code);
  expect(err).not.toMatch(/^\s+at /m);
  expect(status, err).toBe(exit);
  return err;
}

describe('a multi-plugin build is all or nothing', () => {
  it('when the second artifact cannot be renamed into place, the first is put back and no temporary file remains', async () => {
    ws.plugin('alpha', { 'index.ts': source('alpha 1') });
    ws.plugin('beta', { 'index.ts': source('beta 1') });
    await ws.build();
    const alpha = join(ws.bin, 'alpha.hotswap.js');
    const before = readFileSync(alpha);
    // A non-empty directory where beta's artifact goes: renaming onto it fails, for root too.
    rmSync(join(ws.bin, 'beta.hotswap.js'));
    mkdirSync(join(ws.bin, 'beta.hotswap.js'));
    writeFileSync(join(ws.bin, 'beta.hotswap.js', 'keep'), 'x');
    ws.plugin('alpha', { 'index.ts': source('alpha 2') });
    ws.plugin('aardvark', { 'index.ts': source('new') });
    const error = await buildError(ws.build());
    expect(error.code).toBe(BuildErrorCodes.OUTPUT_UNWRITABLE);
    expect(error.message).toContain('beta.hotswap.js');
    expect(readFileSync(alpha).equals(before)).toBe(true);
    expect(readdirSync(ws.bin).sort()).toEqual(['alpha.hotswap.js', 'beta.hotswap.js']);
    // The host that loads the directory after the failed build gets the old alpha.
    rmSync(join(ws.bin, 'beta.hotswap.js'), { recursive: true });
    const swapper = new Swapper({ pluginDir: ws.bin, logger: false });
    await swapper.load(undefined);
    expect(swapper.current.invoke('alpha', 'whoami')).toBe('alpha 1');
    await swapper.close();
  });

  it('hotswap build says so with HOTSWAP_BUILD_OUTPUT_UNWRITABLE and exit code 1, and --leave-temps files count too', async () => {
    ws.plugin('alpha', { 'index.ts': source('alpha 1') });
    await ws.build();
    const before = readFileSync(join(ws.bin, 'alpha.hotswap.js'));
    ws.plugin('alpha', { 'index.ts': source('alpha 2') });
    // A file where the kept bundles' directory goes.
    writeFileSync(join(ws.bin, '.hotswap-temp'), 'not a directory');
    await fails(ExitCodes.FAILED, BuildErrorCodes.OUTPUT_UNWRITABLE, 'build', ws.src, ws.bin, '--leave-temps');
    expect(readFileSync(join(ws.bin, 'alpha.hotswap.js')).equals(before)).toBe(true);
    expect(readdirSync(ws.bin).sort()).toEqual(['.hotswap-temp', 'alpha.hotswap.js']);
  });
});

describe('every command fails with a code, never a raw Node error', () => {
  beforeEach(() => {
    writeFileSync(join(ws.root, 'file'), 'a regular file');
  });

  it('hotswap inspect of a missing file or a directory: HOTSWAP_CLI_UNREADABLE, exit 1', async () => {
    expect(await fails(ExitCodes.FAILED, CliErrorCodes.UNREADABLE, 'inspect', join(ws.root, 'missing.hotswap.js'))).toContain('no such file');
    expect(await fails(ExitCodes.FAILED, CliErrorCodes.UNREADABLE, 'inspect', ws.src)).toContain('is a directory');
    const fifo = join(ws.root, 'pipe.hotswap.js');
    execFileSync('mkfifo', [fifo]);
    expect(await fails(ExitCodes.FAILED, CliErrorCodes.UNREADABLE, 'inspect', fifo)).toContain('FIFO');
  });

  it('hotswap inspect with a --public-key that cannot be read: HOTSWAP_CLI_USAGE, exit 2', async () => {
    ws.plugin('p', { 'index.ts': source('p') });
    await ws.build();
    await fails(ExitCodes.USAGE, CliErrorCodes.USAGE, 'inspect', join(ws.bin, 'p.hotswap.js'), '--public-key', join(ws.root, 'missing.pem'));
  });

  it('hotswap keygen into a path under a regular file: HOTSWAP_CLI_UNWRITABLE, exit 1, no key written', async () => {
    await fails(ExitCodes.FAILED, CliErrorCodes.UNWRITABLE, 'keygen', join(ws.root, 'file', 'keys'));
    expect(readFileSync(join(ws.root, 'file'), 'utf8')).toBe('a regular file');
  });

  it('hotswap init onto a file, or under one', async () => {
    await fails(ExitCodes.USAGE, BuildErrorCodes.BAD_OPTION, 'init', join(ws.root, 'file'));
    await fails(ExitCodes.FAILED, CliErrorCodes.UNWRITABLE, 'init', join(ws.root, 'file', 'greeter'));
  });

  it('hotswap build and watch of a plugin directory that is missing or a file, and into an output under a file', async () => {
    for (const command of ['build', 'watch']) {
      await fails(ExitCodes.FAILED, BuildErrorCodes.NO_PLUGINS, command, join(ws.root, 'missing'), ws.bin);
      await fails(ExitCodes.FAILED, BuildErrorCodes.NO_PLUGINS, command, join(ws.root, 'file'), ws.bin);
    }
    ws.plugin('p', { 'index.ts': source('p') });
    await fails(ExitCodes.FAILED, BuildErrorCodes.OUTPUT_UNWRITABLE, 'build', ws.src, join(ws.root, 'file', 'bin'));
    await fails(ExitCodes.USAGE, CliErrorCodes.USAGE, 'build', ws.src, ws.bin, '--sign', ws.src);
    await fails(ExitCodes.FAILED, BuildErrorCodes.OUTPUT_UNWRITABLE, 'build', ws.src, join(ws.root, 'file'), '--static-linking');
    expect(existsSync(ws.bin)).toBe(false);
  });

  it('hotswap build of a plugin whose package.json is a directory: HOTSWAP_BUILD_BAD_PACKAGE_JSON, exit 1', async () => {
    ws.plugin('p', { 'index.ts': source('p') });
    rmSync(join(ws.src, 'p', 'package.json'));
    mkdirSync(join(ws.src, 'p', 'package.json'));
    expect(await fails(ExitCodes.FAILED, BuildErrorCodes.BAD_PACKAGE_JSON, 'build', ws.src, ws.bin)).toContain('cannot be read (EISDIR)');
  });

  it.skipIf(isRoot)('hotswap init into a directory it may not list: HOTSWAP_CLI_UNREADABLE, exit 1', async () => {
    const dir = join(ws.root, 'locked');
    mkdirSync(dir);
    chmodSync(dir, 0o300);
    try {
      await fails(ExitCodes.FAILED, CliErrorCodes.UNREADABLE, 'init', dir);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it.skipIf(isRoot)('hotswap build of a plugin directory it may not read: HOTSWAP_BUILD_NO_PLUGINS, exit 1', async () => {
    ws.plugin('p', { 'index.ts': source('p') });
    chmodSync(ws.src, 0o300);
    try {
      expect(await fails(ExitCodes.FAILED, BuildErrorCodes.NO_PLUGINS, 'build', ws.src, ws.bin)).toContain('EACCES');
    } finally {
      chmodSync(ws.src, 0o755);
    }
  });
});
