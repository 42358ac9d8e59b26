// The `hotswap` command line: help, exit codes and what it prints.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCodes } from '@hotswap/cli';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace();
});
afterEach(() => ws.cleanup());

const run = runCli;

const plugin = `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { ok: () => true } });`;

describe('hotswap build', () => {
  it('builds, prints each plugin with its size and time, and exits 0', async () => {
    ws.plugin('world', { 'index.ts': plugin });
    const { code, out } = await run('build', ws.src, ws.bin, '--stamp', 'S1');
    expect(code).toBe(ExitCodes.OK);
    expect(out).toMatch(/✔ world 1\.0\.0 → .*world\.hotswap\.js \(\d+(\.\d)? (B|KB), \d+ ms\)/);
    expect(out).toMatch(/built 1 plugin\(s\) in \d+ ms, stamp S1/);
    expect(out).not.toContain('\u001b['); // not a terminal: no colours
    expect(existsSync(join(ws.bin, 'world.hotswap.js'))).toBe(true);
  });

  it('prints the code frame of a build error and exits 1', async () => {
    ws.plugin('world', { 'index.ts': `${plugin}\nconst broken = ;` });
    const { code, err } = await run('build', ws.src, ws.bin);
    expect(code).toBe(ExitCodes.FAILED);
    expect(err).toMatch(/world\/index\.ts:3:16: Unexpected ";"/);
    expect(err).toContain('const broken = ;');
    expect(err).toContain('HOTSWAP_BUILD_FAILED');
    expect(existsSync(ws.bin)).toBe(false);
  });

  it('passes flags after -- to the bundler, and accepts Go spellings', async () => {
    ws.plugin('world', { 'index.ts': plugin });
    const { code, out } = await run('build', ws.src, ws.bin, '--leaveTemps', '--livePrefix=hot_', '--', '--minify');
    expect(out).toContain('✔ world');
    expect(code).toBe(ExitCodes.OK);
    expect(existsSync(join(ws.bin, '.hotswap-temp', 'world', 'bundle.js'))).toBe(true);
    const bad = await run('build', ws.src, ws.bin, '--', '--format=esm');
    expect(bad.code).toBe(ExitCodes.USAGE);
    expect(bad.err).toContain('HOTSWAP_BUILD_BAD_FLAG');
  });

  it('takes --shared repeated or comma-separated, before or after the directories', async () => {
    ws.plugin('world', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nimport { a } from 'one';\nimport { b } from 'two';\nimport { c } from 'three';\nexport default definePlugin({ functions: { f: () => [a, b, c] } });` });
    const { code, out } = await run('build', '--shared', 'one,two', '--shared', 'three', ws.src, ws.bin);
    expect(code).toBe(ExitCodes.OK);
    expect(out).toContain('shared: @hotswap/core/plugin, one, three, two');
  });

  it('exits 2 on a usage error', async () => {
    const missing = await run('build', ws.src);
    expect(missing.code).toBe(ExitCodes.USAGE);
    expect(missing.err).toContain("missing required argument 'outputDir'");
    expect((await run('build', ws.src, ws.bin, '--include', '(')).code).toBe(ExitCodes.USAGE);
    expect((await run('frobnicate')).code).toBe(ExitCodes.USAGE);
  });

  it('prints help with examples and exits 0', async () => {
    const { code, out } = await run('build', '--help');
    expect(code).toBe(ExitCodes.OK);
    expect(out).toContain('Usage: hotswap build [options] <pluginDir> <outputDir> [bundlerFlags...]');
    expect(out).toContain('--shared <specifier>');
    expect(out).toContain('$ hotswap build plugins bin');
    expect((await run('--help')).out).toContain('build [options] <pluginDir> <outputDir>');
  });
});

describe('the hotswap binary', () => {
  const bin = fileURLToPath(new URL('../bin/hotswap.js', import.meta.url));
  const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));

  it.runIf(built)('runs as a child process and sets its exit code', () => {
    ws.plugin('world', { 'index.ts': plugin });
    const out = execFileSync(process.execPath, [bin, 'build', ws.src, ws.bin], { encoding: 'utf8' });
    expect(out).toContain('built 1 plugin(s)');
    const failed = spawnSync(process.execPath, [bin, 'build', join(ws.root, 'nope'), ws.bin], { encoding: 'utf8' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('HOTSWAP_BUILD_NO_PLUGINS');
  });

  it.runIf(built)('exits 0, without an EPIPE trace, when its reader stops early (hotswap help build | head -1)', () => {
    const piped = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${bin}" help build | head -1`], { encoding: 'utf8' });
    expect(piped.stdout).toMatch(/^Usage: hotswap build/);
    expect(piped.stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});
