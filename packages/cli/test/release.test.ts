// hotswap release and build --release on what a real directory may hold
// besides artifacts (a FIFO, a directory, a broken link named like one), and
// on a release root whose `current` reaches the active release through more
// than one link, as a real swapper resolves it.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliErrorCodes, createRelease, ExitCodes, listReleases } from '@hotswap/cli';
import { CURRENT_LINK, decodeArtifact, ErrorCodes, RELEASES_DIR, resolveRelease, Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';
import { workspace, type Workspace } from '../../../test/helpers/workspace.js';

const CLI = fileURLToPath(new URL('../bin/hotswap.js', import.meta.url));

let ws: Workspace;
let root: string;
beforeEach(() => {
  ws = workspace();
  root = join(ws.root, 'deploy');
});
afterEach(() => ws.cleanup());

/** A plugin whose `tag()` answers `label`, built into ws.bin. */
async function built(label: string): Promise<void> {
  ws.plugin('p', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nexport default definePlugin({ functions: { tag: () => ${JSON.stringify(label)} } });\n` });
  await ws.build();
}

/**
 * Runs the built `hotswap` in a child process, killed after 10 s: a command
 * that blocks (on a FIFO, say) fails the test instead of hanging it.
 */
function hotswap(...argv: string[]): Promise<{ code: number | string; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...argv], { env: { ...process.env, NO_COLOR: '1' }, timeout: 10_000, killSignal: 'SIGKILL' }, (error, out, err) => {
      resolve({ code: error === null ? 0 : (error.signal ?? (typeof error.code === 'number' ? error.code : -1)), out, err });
    });
  });
}

/** The command failed the documented way, at once: exit 1, `code` on the last line, no stack, and no release made. */
function refused(result: { code: number | string; err: string }, code: string): void {
  expect(result.err.trimEnd().split('\n').at(-1), result.err).toBe(code);
  expect(result.err).not.toMatch(/^\s+at /m);
  expect(result.code, result.err).toBe(ExitCodes.FAILED);
  expect(existsSync(join(root, RELEASES_DIR)) ? readdirSync(join(root, RELEASES_DIR)) : []).toEqual([]);
}

describe('an artifact directory with an entry named like an artifact that is not a regular file', () => {
  it('a FIFO: release create and build --release refuse it unopened with HOTSWAP_ARTIFACT_NOT_A_FILE, never waiting on it', async () => {
    await built('1');
    const fifo = join(ws.bin, 'q.hotswap.js');
    execFileSync('mkfifo', [fifo]);
    const created = await hotswap('release', 'create', ws.bin, '--root', root);
    refused(created, ErrorCodes.ARTIFACT_NOT_A_FILE);
    expect(created.err).toContain(`${fifo} is a FIFO (named pipe), not a regular file`);
    expect(created.err).toContain(`Remove it from ${ws.bin}`);
    const build = await hotswap('build', ws.src, ws.bin, '--release', root);
    refused(build, ErrorCodes.ARTIFACT_NOT_A_FILE);
    expect(build.err).toContain(`${fifo} is a FIFO (named pipe)`);
    // Once it is gone, the same directory makes a release.
    rmSync(fifo);
    expect((await hotswap('release', 'create', ws.bin, '--root', root)).code).toBe(0);
  });

  it('a directory or a symbolic link that leads nowhere: HOTSWAP_ARTIFACT_NOT_A_FILE naming it and what it is, exit 1', async () => {
    await built('1');
    const entry = join(ws.bin, 'q.hotswap.js');
    mkdirSync(entry);
    const directory = await hotswap('release', 'create', ws.bin, '--root', root);
    refused(directory, ErrorCodes.ARTIFACT_NOT_A_FILE);
    expect(directory.err).toContain(`${entry} is a directory, not a regular file`);
    rmSync(entry, { recursive: true });
    symlinkSync(join(ws.root, 'gone.hotswap.js'), entry);
    const broken = await hotswap('release', 'create', ws.bin, '--root', root);
    refused(broken, ErrorCodes.ARTIFACT_NOT_A_FILE);
    expect(broken.err).toContain(`${entry} is a symbolic link to ${join(ws.root, 'gone.hotswap.js')}, which leads nowhere`);
  });

  it('a FIFO in the store where an artifact goes is written over, not waited on', async () => {
    await built('1');
    const text = readFileSync(join(ws.bin, 'p.hotswap.js'), 'utf8');
    const object = join(root, 'objects', `${decodeArtifact(text, 'p.hotswap.js').digest}.js`);
    mkdirSync(join(root, 'objects'), { recursive: true });
    execFileSync('mkfifo', [object]);
    const made = await hotswap('release', 'create', ws.bin, '--root', root, '--activate');
    expect(made.err).toBe('');
    expect(made.code).toBe(0);
    expect(lstatSync(object).isFile()).toBe(true);
    const swapper = new Swapper({ pluginDir: root, logger: false });
    try {
      await swapper.load(undefined);
      expect(swapper.current.invoke('p', 'tag')).toBe('1');
    } finally {
      await swapper.close();
    }
  });
});

describe('a release root whose current link reaches the active release through another link', () => {
  /** Points `current` at `live`, and `live` at release `id`: two hops, as a deploy tool may lay them out. */
  function twoHops(id: string): void {
    rmSync(join(root, CURRENT_LINK), { force: true });
    rmSync(join(root, 'live'), { force: true });
    symlinkSync(join(RELEASES_DIR, id), join(root, 'live'));
    symlinkSync('live', join(root, CURRENT_LINK));
  }

  it('list stars the release the host serves, and prune --keep 0 keeps it and its previous, which the host still loads', async () => {
    await built('1');
    const r1 = await createRelease({ root, from: ws.bin, activate: true });
    await built('2');
    const r2 = await createRelease({ root, from: ws.bin });
    await built('3');
    const r3 = await createRelease({ root, from: ws.bin });
    twoHops(r2.id);
    expect((await resolveRelease(root))?.id).toBe(r2.id);

    const list = await runCli('release', 'list', '--root', root);
    expect(list.code).toBe(ExitCodes.OK);
    expect(list.out).toMatch(new RegExp(`^\\* ${r2.id} `, 'm'));
    expect(list.out).toMatch(new RegExp(`^ {2}${r1.id} `, 'm'));
    expect((await listReleases(root)).filter((e) => e.current).map((e) => e.id)).toEqual([r2.id]);

    const pruned = await runCli('release', 'prune', '--keep', '0', '--root', root);
    expect(pruned.code, pruned.err).toBe(ExitCodes.OK);
    expect(pruned.out).toContain(`removed ${r3.id}`);
    expect(readdirSync(join(root, RELEASES_DIR)).sort()).toEqual([r1.id, r2.id]);
    const swapper = new Swapper({ pluginDir: root, logger: false });
    try {
      expect((await swapper.load(undefined)).release).toBe(r2.id);
      expect(swapper.current.invoke('p', 'tag')).toBe('2');
    } finally {
      await swapper.close();
    }
  });

  it('a new release names the release the host serves as its previous, and rollback goes back from it', async () => {
    await built('1');
    const r1 = await createRelease({ root, from: ws.bin, activate: true });
    await built('2');
    const r2 = await createRelease({ root, from: ws.bin, activate: true });
    twoHops(r2.id);
    await built('3');
    const made = await runCli('release', 'create', ws.bin, '--root', root);
    expect(made.code, made.err).toBe(ExitCodes.OK);
    const r3 = (await listReleases(root)).at(-1)!;
    expect(r3.manifest.previous).toBe(r2.id);
    const back = await runCli('release', 'rollback', '--root', root);
    expect(back.code, back.err).toBe(ExitCodes.OK);
    expect(back.out).toContain(`rolled back to release ${r1.id}`);
    expect(back.out).toContain(`(was ${r2.id})`);
    expect((await resolveRelease(root))?.id).toBe(r1.id);
  });

  it('a current that leads round in a loop: prune removes nothing and says so, and activate repairs it', async () => {
    await built('1');
    const r1 = await createRelease({ root, from: ws.bin, activate: true });
    await built('2');
    const r2 = await createRelease({ root, from: ws.bin });
    rmSync(join(root, CURRENT_LINK));
    symlinkSync(CURRENT_LINK, join(root, 'live'));
    symlinkSync('live', join(root, CURRENT_LINK));
    const pruned = await runCli('release', 'prune', '--keep', '0', '--root', root);
    expect(pruned.err).toContain('leads round in a loop of symbolic links');
    expect(pruned.err.trimEnd().split('\n').at(-1)).toBe(CliErrorCodes.FAILED);
    expect(pruned.code).toBe(ExitCodes.FAILED);
    expect(readdirSync(join(root, RELEASES_DIR)).sort()).toEqual([r1.id, r2.id]);
    const activated = await runCli('release', 'activate', r2.id, '--root', root);
    expect(activated.code, activated.err).toBe(ExitCodes.OK);
    expect((await resolveRelease(root))?.id).toBe(r2.id);
  });
});
