// Releases built with the real `hotswap build`, stored with the real release
// store, switched with real symbolic links, read by a real swapper.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activateRelease, createRelease, listReleases, pruneReleases, rollbackRelease, type CreatedRelease } from '@hotswap/cli';
import { COMMITTED_FILE, createCoordinator, ErrorCodes, resolveRelease, Swapper, type SwapperOptions } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../helpers/child.js';
import { runCli } from '../helpers/cli.js';
import { rejection } from '../helpers/errors.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PLUGINS = ['p0', 'p1', 'p2', 'p3'];

let ws: Workspace;
let root: string;
const swappers: Swapper[] = [];

beforeEach(() => {
  ws = workspace();
  root = join(ws.root, 'deploy');
});
afterEach(async () => {
  await Promise.all(swappers.splice(0).map((s) => s.close().catch(() => undefined)));
  ws.cleanup();
});

function swapper(options: Partial<SwapperOptions> = {}): Swapper {
  const s = new Swapper({ pluginDir: root, logger: false, freeDelay: 0, ...options });
  swappers.push(s);
  return s;
}

/** A plugin whose `tag()` answers `label`. */
function tagged(name: string, label: string): void {
  ws.plugin(name, {
    'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ functions: { tag: () => ${JSON.stringify(label)} } });`,
  });
}

/** Builds `names` (every plugin by default) answering `label`, and makes a release of the output directory. */
async function release(label: string, options: { names?: string[]; activate?: boolean; signingKey?: string } = {}): Promise<CreatedRelease> {
  const names = options.names ?? PLUGINS;
  for (const name of names) tagged(name, label);
  await ws.build({ include: new RegExp(`^(${names.join('|')})$`), ...(options.signingKey === undefined ? {} : { signingKey: options.signingKey }) });
  return createRelease({ root, from: ws.bin, activate: options.activate, signingKey: options.signingKey });
}

/** Every plugin's tag in the serving generation, in plugin order. */
function tags(s: Swapper): string[] {
  const generation = s.current;
  return generation.plugins.map((p) => String(generation.invoke(p.name, 'tag')));
}

describe('a swapper pointed at a release root', () => {
  it('reads the active release, names it in the details and the status, and follows `current` at each reload', async () => {
    const a = await release('A', { activate: true });
    const b = await release('B');
    const s = swapper();
    const first = await s.load(undefined);
    expect(first.release).toBe(a.id);
    expect(s.status().release).toBe(a.id);
    expect(tags(s)).toEqual(['A', 'A', 'A', 'A']);
    await activateRelease(root, b.id);
    const prepared = await s.prepare();
    expect(prepared.release).toBe(b.id);
    expect(prepared.commit().release).toBe(b.id);
    expect(tags(s)).toEqual(['B', 'B', 'B', 'B']);
    expect(s.status()).toMatchObject({ release: b.id, lastReload: { ok: true, details: { release: b.id } } });
  });

  it('reads the same from `<root>/current` and from a release directory; resolveRelease names the release of each', async () => {
    const a = await release('A', { activate: true });
    const viaLink = swapper({ pluginDir: join(root, 'current') });
    expect((await viaLink.load(undefined)).release).toBe(a.id);
    const viaDir = swapper({ pluginDir: a.dir });
    expect((await viaDir.load(undefined)).release).toBe(a.id);
    for (const dir of [root, join(root, 'current'), a.dir]) expect(await resolveRelease(dir)).toMatchObject({ id: a.id, manifest: { id: a.id } });
    expect(await resolveRelease(ws.bin)).toBeUndefined();
    expect(await resolveRelease(join(ws.root, 'nowhere'))).toBeUndefined();
  });

  it('refuses a release whose release.json is a FIFO, without waiting on it, and the release before it serves on', async () => {
    const a = await release('A', { activate: true });
    const b = await release('B');
    const s = swapper();
    await s.load(undefined);
    const manifest = join(b.dir, 'release.json');
    rmSync(manifest);
    execFileSync('mkfifo', [manifest]);
    // A read that waited for a writer to the pipe would never settle: these would time out.
    expect(await rejection(resolveRelease(b.dir))).toMatchObject({ code: ErrorCodes.RELEASE_INVALID });
    await expect(activateRelease(root, b.id)).rejects.toMatchObject({ code: ErrorCodes.RELEASE_INVALID });
    // Switched by hand, as a deploy script might.
    rmSync(join(root, 'current'));
    symlinkSync(b.dir, join(root, 'current'));
    expect(await rejection(s.reload())).toMatchObject({ code: ErrorCodes.RELEASE_INVALID });
    expect(s.status().release).toBe(a.id);
    expect(tags(s)).toEqual(['A', 'A', 'A', 'A']);
  });

  it('never serves a deploy half-done: every generation comes from one release while `current` switches all along', async () => {
    const a = await release('A', { activate: true });
    const b = await release('B');
    const s = swapper();
    await s.load(undefined);
    const switcher = start(process.execPath, ['--import', 'tsx', join(ROOT, 'test/fixtures/release-switcher.ts'), root, b.id, a.id], { cwd: ROOT });
    try {
      await switcher.waitFor(/^switching$/);
      const label = new Map([
        [a.id, 'A'],
        [b.id, 'B'],
      ]);
      const seen = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const details = await s.reload();
        const got = tags(s);
        expect(new Set(got).size, `generation ${details.generation} mixes releases: ${got.join(',')}`).toBe(1);
        expect(got[0]).toBe(label.get(details.release ?? ''));
        seen.add(details.release ?? '');
      }
      // The switcher really did switch under the reloads.
      expect([...seen].sort()).toEqual([a.id, b.id].sort());
    } finally {
      switcher.kill();
      await switcher.exited;
    }
  });

  it('rolls back: `release rollback` activates the previous release and the next reload serves it', async () => {
    const a = await release('A', { activate: true });
    const b = await release('B', { activate: true });
    expect(b.manifest.previous).toBe(a.id);
    const s = swapper();
    await s.load(undefined);
    expect(tags(s)).toEqual(['B', 'B', 'B', 'B']);
    const cli = await runCli('release', 'rollback', '--root', root);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`rolled back to release ${a.id}`);
    expect((await s.reload()).release).toBe(a.id);
    expect(tags(s)).toEqual(['A', 'A', 'A', 'A']);
    // A's previous is none: there is nothing further back.
    const again = await runCli('release', 'rollback', '--root', root);
    expect(again.code).toBe(1);
    expect(again.err).toContain('HOTSWAP_CLI_RELEASE_NOT_FOUND');
    await expect(rollbackRelease(root)).rejects.toMatchObject({ code: 'HOTSWAP_CLI_RELEASE_NOT_FOUND' });
  });
});

describe('the release store', () => {
  it('shares unchanged artifacts between releases, and prune frees a stored artifact only when no kept release uses it', async () => {
    const r1 = await release('1', { names: ['p0', 'p1'], activate: true });
    expect([r1.stored, r1.reused]).toEqual([2, 0]);
    // Only p1 rebuilt: p0's artifact is the same bytes, so the same stored file.
    const r2 = await release('2', { names: ['p1'], activate: true });
    expect([r2.stored, r2.reused]).toEqual([1, 1]);
    const r3 = await release('3', { names: ['p1'], activate: true });
    const r4 = await release('4', { names: ['p1'] });
    const r5 = await release('5', { names: ['p1'] });
    const p0 = join(root, 'objects', `${r1.manifest.plugins[0]!.digest}.js`);
    expect(statSync(p0).nlink).toBe(6);
    expect(statSync(join(r5.dir, 'p0.hotswap.js')).ino).toBe(statSync(p0).ino);
    expect(lstatSync(join(r5.dir, 'p0.hotswap.js')).isFile()).toBe(true);

    // current is r3, its previous r2; the newest one is r5.
    const pruned = await pruneReleases(root, 1);
    expect(pruned.removed).toEqual([r1.id, r4.id]);
    expect(pruned.kept).toEqual([r2.id, r3.id, r5.id]);
    expect(pruned.freedObjects).toBe(2);
    const objects = readdirSync(join(root, 'objects')).sort();
    const used = [...new Set([r2, r3, r5].flatMap((r) => r.manifest.plugins.map((p) => `${p.digest}.js`)))].sort();
    expect(objects).toEqual(used);
    expect(statSync(p0).nlink).toBe(4);
    expect((await listReleases(root)).map((e) => [e.id, e.current])).toEqual([
      [r2.id, false],
      [r3.id, true],
      [r5.id, false],
    ]);

    // What was kept still loads, from the root and after a rollback.
    const s = swapper();
    expect((await s.load(undefined)).release).toBe(r3.id);
    await rollbackRelease(root);
    expect((await s.reload()).release).toBe(r2.id);
    expect(tags(s)).toEqual(['1', '2']);
  });

  it('prune --keep 0 still keeps the active release and its previous', async () => {
    await release('1', { activate: true });
    const r2 = await release('2', { activate: true });
    const r3 = await release('3', { activate: true });
    const cli = await runCli('release', 'prune', '--keep', '0', '--root', root);
    expect(cli.code).toBe(0);
    expect((await listReleases(root)).map((e) => e.id)).toEqual([r2.id, r3.id]);
    expect((await runCli('release', 'prune', '--keep', 'many', '--root', root)).code).toBe(2);
  });
  it('one release whose release.json is broken stops neither list nor prune: list names it, prune removes it like an old one', async () => {
    const r1 = await release('1', { activate: true });
    const r2 = await release('2', { activate: true });
    const r3 = await release('3', { activate: true });
    writeFileSync(join(r1.dir, 'release.json'), '{ not json');
    expect((await listReleases(root)).map((e) => e.id)).toEqual([r2.id, r3.id]);
    const listed = await runCli('release', 'list', '--root', root);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${r1.id}  cannot be read`);
    expect(listed.out).toContain(r3.id);
    const pruned = await pruneReleases(root, 0);
    expect(pruned.removed).toEqual([r1.id]);
    expect(pruned.kept).toEqual([r2.id, r3.id]);
    expect(existsSync(r1.dir)).toBe(false);
    // A broken one among those kept (here the active one's previous): nothing is pruned from under it.
    writeFileSync(join(r2.dir, 'release.json'), '{ not json');
    const again = await pruneReleases(root, 0);
    expect(again.removed).toEqual([]);
    expect(again.freedObjects).toBe(0);
  });

  it('prune keeps the release a cluster coordinator recorded as committed, which a restarted primary names to its workers', async () => {
    const r1 = await release('1', { activate: true });
    // A cluster with no worker yet: the reload commits at once, and records its release.
    const quiet = { send: () => undefined, onMessage: () => () => undefined, onExit: () => () => undefined };
    const coordinator = createCoordinator({ releaseRoot: root, logger: false, transport: quiet });
    expect((await coordinator.reload()).release).toBe(r1.id);
    coordinator.close();
    await release('2', { activate: true });
    const r3 = await release('3', { activate: true });
    const r4 = await release('4', { activate: true });
    await pruneReleases(root, 0);
    expect((await listReleases(root)).map((e) => e.id)).toEqual([r1.id, r3.id, r4.id]);
    expect(readFileSync(join(root, COMMITTED_FILE), 'utf8')).toContain(r1.id);
  });
});

describe('a release that is not what it was made with', () => {
  it('refuses an artifact replaced after the release was made, and keeps serving', async () => {
    const a = await release('A', { activate: true });
    await release('B');
    const s = swapper();
    await s.load(undefined);
    // Another valid artifact of p1 (from release B) put in release A's place.
    const target = join(a.dir, 'p1.hotswap.js');
    chmodSync(a.dir, 0o755);
    rmSync(target);
    copyFileSync(join(ws.bin, 'p1.hotswap.js'), target);
    const error = await rejection(s.reload());
    expect(error.code).toBe(ErrorCodes.RELEASE_DIGEST_MISMATCH);
    expect(error).toMatchObject({ plugin: 'p1', stage: 'verify', details: { release: a.id } });
    expect(tags(s)).toEqual(['A', 'A', 'A', 'A']);
    expect(s.status().release).toBe(a.id);
  });

  it('refuses an artifact added to, or missing from, the release', async () => {
    const a = await release('A', { names: ['p0', 'p1'], activate: true });
    const s = swapper();
    await s.load(undefined);
    tagged('extra', 'X');
    await ws.build({ include: /^extra$/ });
    copyFileSync(join(ws.bin, 'extra.hotswap.js'), join(a.dir, 'extra.hotswap.js'));
    expect((await rejection(s.reload())).code).toBe(ErrorCodes.RELEASE_INVALID);
    rmSync(join(a.dir, 'extra.hotswap.js'));
    rmSync(join(a.dir, 'p1.hotswap.js'));
    const missing = await rejection(s.reload());
    expect(missing.code).toBe(ErrorCodes.RELEASE_INVALID);
    expect(missing.message).toContain('p1.hotswap.js');
    // With a whitelist that leaves p1 out, its absence is fine.
    const only = swapper({ whitelist: ['p0'] });
    expect((await only.load(undefined)).release).toBe(a.id);
  });

  it('refuses a root with releases but none active, and a manifest that names another release', async () => {
    const a = await release('A');
    const error = await rejection(swapper().load(undefined));
    expect(error.code).toBe(ErrorCodes.RELEASE_NOT_ACTIVE);
    await activateRelease(root, a.id);
    const manifest = join(a.dir, 'release.json');
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(`"id": "${a.id}"`, '"id": "someone-else"'));
    expect((await rejection(swapper().load(undefined))).code).toBe(ErrorCodes.RELEASE_INVALID);
  });

  it('with signing on, loads a signed release, and refuses an unsigned one or one whose manifest was altered', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signed = await release('S', { activate: true, signingKey: key });
    expect(signed.manifest.signature).toBeTypeOf('string');
    const s = swapper({ publicKey });
    expect((await s.load(undefined)).release).toBe(signed.id);

    // Every artifact signed, but release.json not.
    const unsigned = await createRelease({ root, from: ws.bin, activate: true });
    expect((await rejection(s.reload())).code).toBe(ErrorCodes.RELEASE_UNSIGNED);
    rmSync(unsigned.dir, { recursive: true, force: true });

    await activateRelease(root, signed.id);
    const manifest = join(signed.dir, 'release.json');
    chmodSync(manifest, 0o644);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/"createdAt": "[^"]+"/, '"createdAt": "2000-01-01T00:00:00.000Z"'));
    expect((await rejection(s.reload())).code).toBe(ErrorCodes.RELEASE_SIGNATURE_INVALID);
    expect(tags(s)).toEqual(['S', 'S', 'S', 'S']);
  });
});

describe('hotswap build --release and hotswap release', () => {
  it('builds, makes a release, activates it and lists it', async () => {
    for (const name of PLUGINS) tagged(name, 'C');
    const built = await runCli('build', ws.src, ws.bin, '--release', root, '--activate');
    expect(built.code, built.err).toBe(0);
    const [entry] = await listReleases(root);
    expect(entry?.current).toBe(true);
    expect(built.out).toContain(`release ${entry!.id}`);
    const list = await runCli('release', 'list', '--root', root);
    expect(list.out).toMatch(new RegExp(`^\\* ${entry!.id} `, 'm'));
    const s = swapper();
    expect((await s.load(undefined)).release).toBe(entry!.id);

    const made = await runCli('release', 'create', ws.bin, '--root', root);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toContain('4 shared with earlier releases');
    const id = (await listReleases(root))[1]!.id;
    expect((await runCli('release', 'activate', id, '--root', root)).code).toBe(0);
    expect((await resolveRelease(root))?.id).toBe(id);
    expect((await runCli('release', 'activate', '../etc', '--root', root)).err).toContain('HOTSWAP_CLI_RELEASE_NOT_FOUND');
    expect((await runCli('build', ws.src, ws.bin, '--activate')).code).toBe(2);
    const empty = await runCli('release', 'create', join(ws.root, 'plugins'), '--root', root);
    expect(empty.err).toContain('HOTSWAP_CLI_RELEASE_EMPTY');
  });
});
