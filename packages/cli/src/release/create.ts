import { createHash, type KeyObject } from 'node:crypto';
import { chmod, copyFile, link, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ARTIFACT_SUFFIX,
  decodeArtifact,
  ErrorCodes,
  HotswapError,
  RELEASE_MANIFEST,
  releaseSigningPayload,
  type ReleaseManifest,
  type ReleasePlugin,
} from '@hotswap/core';
import { signer } from '../build/package.js';
import { CliError, CliErrorCodes } from '../errors.js';
import { currentId, FILE_MODE, makeDir, newReleaseId, objectPath, objectsDir, releaseDir, releasesDir, switchCurrent, tempBeside } from './layout.js';
import { readRegularFile } from './regular-file.js';

/** What {@link createRelease} makes a release of, and where. */
export interface CreateReleaseOptions {
  /** The release root: `releases/`, `objects/` and the `current` link are made in it. */
  root: string;
  /** A directory of artifacts (`<name>.hotswap.js`), such as the output directory of `hotswap build`. */
  from: string;
  /** An Ed25519 private key (PEM text or KeyObject) to sign `release.json` with. */
  signingKey?: string | KeyObject | undefined;
  /** Point `current` at the new release once it is complete. */
  activate?: boolean | undefined;
}

/** A release that was made. */
export interface CreatedRelease {
  id: string;
  /** Its directory, `<root>/releases/<id>`. */
  dir: string;
  manifest: ReleaseManifest;
  /** Artifacts already in the store from an earlier release, linked rather than written again. */
  reused: number;
  /** Artifacts new to the store. */
  stored: number;
  /** Whether `current` now points at it. */
  activated: boolean;
}

interface Input {
  plugin: ReleasePlugin;
  bytes: Buffer;
}

/**
 * Makes a release of every artifact in `from`: each artifact is checked (as
 * a host would decode it), stored once under its sha256 in `<root>/objects/`
 * (an artifact already there is shared, not copied), hard-linked into a new
 * directory with `release.json`, and that directory is renamed into
 * `<root>/releases/<id>` whole, so a reader never sees a release half-made.
 * The release records the active one as its `previous`. With `activate`,
 * `current` is switched to it. Throws `HOTSWAP_CLI_RELEASE_EMPTY` for a
 * directory without artifacts, `HOTSWAP_ARTIFACT_NOT_A_FILE` for an entry
 * named like one that is not a regular file (a directory, a FIFO: refused
 * unopened), and the artifact's own error for an invalid one.
 */
export async function createRelease(options: CreateReleaseOptions): Promise<CreatedRelease> {
  const { root } = options;
  const sign = signer(options.signingKey);
  const inputs = await readInputs(options.from);
  await makeDir(releasesDir(root));
  await makeDir(objectsDir(root));
  let reused = 0;
  for (const input of inputs) if (await storeObject(root, input)) reused++;
  const previous = await currentId(root);
  const content = createHash('sha256')
    .update(inputs.map((i) => `${i.plugin.name}:${i.plugin.digest}`).join('\n'))
    .digest('hex');
  for (;;) {
    const manifest: ReleaseManifest = {
      id: newReleaseId(content, new Date()),
      createdAt: new Date().toISOString(),
      plugins: inputs.map((i) => i.plugin),
      ...(previous === undefined ? {} : { previous }),
    };
    if (sign !== undefined) manifest.signature = sign(releaseSigningPayload(manifest));
    const dir = releaseDir(root, manifest.id);
    if (!(await place(root, manifest, inputs))) continue;
    if (options.activate === true) await switchCurrent(root, manifest.id);
    return { id: manifest.id, dir, manifest, reused, stored: inputs.length - reused, activated: options.activate === true };
  }
}

async function readInputs(from: string): Promise<Input[]> {
  let names: string[];
  try {
    names = (await readdir(from)).filter((n) => n.endsWith(ARTIFACT_SUFFIX)).sort();
  } catch (error) {
    throw new CliError(`cannot read the artifact directory ${from} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, CliErrorCodes.UNREADABLE);
  }
  if (names.length === 0) {
    throw new CliError(
      `${from} holds no artifacts (<name>${ARTIFACT_SUFFIX}), so there is nothing to release. Build into it first: \`hotswap build plugins ${from}\`.`,
      CliErrorCodes.RELEASE_EMPTY,
    );
  }
  const inputs: Input[] = [];
  for (const file of names) {
    const path = join(from, file);
    const text = await readArtifact(path, from);
    const artifact = decodeArtifact(text, path);
    const { name, version } = artifact.manifest;
    if (`${name}${ARTIFACT_SUFFIX}` !== file) {
      throw new HotswapError(ErrorCodes.ARTIFACT_INVALID, `${path} holds plugin "${name}", but an artifact must be named after its plugin: ${name}${ARTIFACT_SUFFIX}. Rename it, or rebuild.`, {
        plugin: name,
        stage: 'verify',
      });
    }
    // The bytes stored are those the digest is of: the text as a host decodes it.
    inputs.push({ plugin: { name, version, file, digest: artifact.digest }, bytes: Buffer.from(text, 'utf8') });
  }
  return inputs;
}

/**
 * The text of artifact `path` of directory `from`, read only if it is a
 * regular file (or a link to one), as a host reads it: anything else is
 * refused unopened with `HOTSWAP_ARTIFACT_NOT_A_FILE`, so a FIFO never
 * blocks the command; a file that cannot be read is `HOTSWAP_CLI_UNREADABLE`.
 */
async function readArtifact(path: string, from: string): Promise<string> {
  const read = await readRegularFile(path).catch((error: unknown) => {
    throw new CliError(
      `cannot read the artifact ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}), so no release was made. Make it readable, or remove it from ${from}.`,
      CliErrorCodes.UNREADABLE,
    );
  });
  if ('kind' in read) {
    throw new HotswapError(
      ErrorCodes.ARTIFACT_NOT_A_FILE,
      `${path} is ${read.kind}, not a regular file, so it cannot be an artifact (a host refuses it too) and no release was made. ` +
        `Remove it from ${from}, or give it a name that does not end in ${ARTIFACT_SUFFIX}; then make the release again.`,
      { stage: 'scan' },
    );
  }
  return read.bytes.toString('utf8');
}

/** Puts an artifact in the store unless an intact copy is there; true when it was there already. */
async function storeObject(root: string, input: Input): Promise<boolean> {
  const path = objectPath(root, input.plugin.digest);
  // Not a regular file (a FIFO, say), or unreadable: not an intact copy, so it is written again, never waited on.
  const existing = await readRegularFile(path).then(
    (read) => ('bytes' in read ? read.bytes : undefined),
    () => undefined,
  );
  if (existing !== undefined && createHash('sha256').update(existing).digest('hex') === input.plugin.digest) return true;
  const temp = tempBeside(objectsDir(root), basename(path));
  try {
    await writeFile(temp, input.bytes, { flag: 'wx', mode: FILE_MODE });
    await chmod(temp, FILE_MODE);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw unwritable(root, error);
  }
  return false;
}

/**
 * Makes the release directory beside its place, links every artifact into
 * it, writes the manifest, then renames it into place. False when a release
 * of that id already exists (made in the same millisecond), to try another id.
 */
async function place(root: string, manifest: ReleaseManifest, inputs: readonly Input[]): Promise<boolean> {
  const staging = tempBeside(releasesDir(root), manifest.id);
  try {
    await makeDir(staging);
    for (const input of inputs) await linkObject(root, input, join(staging, input.plugin.file));
    const manifestPath = join(staging, RELEASE_MANIFEST);
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx', mode: FILE_MODE });
    await chmod(manifestPath, FILE_MODE);
    await rename(staging, releaseDir(root, manifest.id));
    return true;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error instanceof CliError ? error : unwritable(root, error);
  }
}

/** A hard link to the stored artifact: a regular file a host accepts, sharing the bytes. A copy where links are refused. */
async function linkObject(root: string, input: Input, target: string): Promise<void> {
  const object = objectPath(root, input.plugin.digest);
  try {
    await link(object, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Pruned meanwhile: store it again.
    if (code === 'ENOENT') {
      await storeObject(root, input);
      return linkObject(root, input, target);
    }
    if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error;
    await copyFile(object, target);
    await chmod(target, FILE_MODE);
  }
}

function unwritable(root: string, error: unknown): CliError {
  const reason = (error as NodeJS.ErrnoException).code ?? String(error);
  return new CliError(`cannot write the release into ${root} (${reason}); no release was made. Give a release root the command may write.`, CliErrorCodes.UNWRITABLE);
}
