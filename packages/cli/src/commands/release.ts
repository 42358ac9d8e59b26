import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Io } from '../output.js';
import { createRelease, type CreatedRelease } from '../release/create.js';
import { activateRelease, pruneReleases, readReleases, rollbackRelease } from '../release/store.js';

/** How many releases `prune` keeps unless told. */
export const DEFAULT_KEEP = 3;

/** One line for a release that was made: id, plugins, what was shared. */
export function describeRelease(release: CreatedRelease & { root: string }, io: Io): string {
  const { color } = io;
  const plugins = release.manifest.plugins.map((p) => `${p.name}@${p.version}`).join(', ');
  const shared = color.dim(`(${release.stored} stored, ${release.reused} shared with earlier releases)`);
  const active = release.activated ? `, ${color.bold('active')}` : `; activate it with \`hotswap release activate ${release.id} --root ${release.root}\``;
  return `${color.green('✔')} release ${color.bold(release.id)} → ${shown(release.dir)}: ${plugins} ${shared}${active}\n`;
}

/** A path as the user would type it: relative to the working directory when under it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || rel === '' ? path : rel;
}

/** Reads a `--sign` key file. */
export function readKey(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the signing key ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `hotswap release create|list|activate|rollback|prune`. */
export function registerRelease(program: Command, io: Io): void {
  const release = program
    .command('release')
    .description('Make, list, activate, roll back and prune releases: immutable sets of artifacts behind a `current` link.')
    .addHelpText(
      'after',
      `
Examples:
  $ hotswap build plugins bin --release /srv/app/plugins --activate
  $ hotswap release create bin --root /srv/app/plugins
  $ hotswap release list --root /srv/app/plugins
  $ hotswap release activate 20260102T030405678Z-1a2b3c4d --root /srv/app/plugins
  $ hotswap release rollback --root /srv/app/plugins
  $ hotswap release prune --keep 3 --root /srv/app/plugins
  (host) new Swapper({ pluginDir: '/srv/app/plugins' })`,
    );
  const root = (command: Command): Command => command.requiredOption('--root <dir>', 'the release root: releases/, objects/ and the current link');

  root(release.command('create').description('Make a release of every artifact in <artifactDir>.').argument('<artifactDir>', 'a directory of <name>.hotswap.js artifacts'))
    .option('--sign <keyFile>', 'sign release.json with this Ed25519 private key (PEM; see hotswap keygen)')
    .option('--activate', 'point current at the new release', false)
    .action(async (from: string, flags: { root: string; sign?: string; activate: boolean }) => {
      const made = await createRelease({ root: flags.root, from, signingKey: readKey(flags.sign), activate: flags.activate });
      io.out.write(describeRelease({ ...made, root: flags.root }, io));
    });

  root(release.command('list').description('List the releases, oldest first; * marks the active one.')).action(async (flags: { root: string }) => {
    const { entries, unreadable } = await readReleases(flags.root);
    if (entries.length === 0 && unreadable.length === 0) io.out.write(`no releases in ${flags.root}\n`);
    for (const { id, message } of unreadable) io.out.write(`${io.color.red('!')} ${id}  cannot be read: ${message}\n`);
    for (const { id, manifest, current } of entries) {
      const plugins = manifest.plugins.map((p) => `${p.name}@${p.version}`).join(', ');
      const previous = manifest.previous === undefined ? '' : io.color.dim(` previous ${manifest.previous}`);
      const signed = manifest.signature === undefined ? '' : io.color.dim(' signed');
      io.out.write(`${current ? io.color.green('*') : ' '} ${current ? io.color.bold(id) : id}  ${manifest.createdAt}  ${plugins}${signed}${previous}\n`);
    }
  });

  root(release.command('activate').description('Point current at release <id>, atomically.').argument('<id>', 'a release id (see hotswap release list)')).action(
    async (id: string, flags: { root: string }) => {
      const { was } = await activateRelease(flags.root, id);
      io.out.write(`${io.color.green('✔')} release ${io.color.bold(id)} is active${was === undefined ? '' : io.color.dim(` (was ${was})`)}; reload the hosts to serve it\n`);
    },
  );

  root(release.command('rollback').description('Activate the release that was active when the current one was made.')).action(async (flags: { root: string }) => {
    const { id, was } = await rollbackRelease(flags.root);
    io.out.write(`${io.color.green('✔')} rolled back to release ${io.color.bold(id)} ${io.color.dim(`(was ${was})`)}; reload the hosts to serve it\n`);
  });

  root(release.command('prune').description('Remove old releases and the stored artifacts no kept release uses.'))
    .option('--keep <n>', `how many of the newest releases to keep (the active one and its previous are always kept)`, String(DEFAULT_KEEP))
    .action(async (flags: { root: string; keep: string }) => {
      const keep = Number(flags.keep);
      if (!/^\d+$/.test(flags.keep)) throw new UsageError(`--keep must be a whole number of releases, got ${flags.keep}.`);
      const result = await pruneReleases(flags.root, keep);
      io.out.write(
        `${io.color.green('✔')} removed ${result.removed.length} release(s), kept ${result.kept.length}, freed ${result.freedObjects} stored artifact(s)\n` +
          result.removed.map((id) => io.color.dim(`  removed ${id}\n`)).join(''),
      );
    });
}
