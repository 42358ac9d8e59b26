import { readFileSync, statSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeArtifact, verifySignature } from '@hotswap/core';
import { CliError, CliErrorCodes, UsageError } from '../errors.js';
import type { Command } from 'commander';
import type { Io } from '../output.js';

/** `hotswap inspect`: prints an artifact's manifest after checking it. */
export function registerInspect(program: Command, io: Io): void {
  program
    .command('inspect')
    .description("Check an artifact and print its manifest.")
    .argument('<artifact>', 'a <name>.hotswap.js file')
    .option('--json', 'print the manifest as JSON', false)
    .option('--public-key <file>', "also check the signature with this Ed25519 public key (PEM)")
    .addHelpText('after', '\nExamples:\n  $ hotswap inspect bin/world.hotswap.js\n  $ hotswap inspect bin/world.hotswap.js --json | jq .version')
    .action((path: string, flags: { json: boolean; publicKey?: string }) => {
      const artifact = decodeArtifact(readArtifact(path), path);
      let signature = artifact.manifest.signature === undefined ? 'unsigned' : 'Ed25519 (not checked: pass --public-key)';
      if (flags.publicKey !== undefined) {
        let key: KeyObject;
        try {
          key = createPublicKey(readFileSync(flags.publicKey, 'utf8'));
        } catch (error) {
          throw new UsageError(`cannot read the public key ${flags.publicKey}: ${(error as Error).message}`);
        }
        verifySignature(artifact, key);
        signature = 'Ed25519 ✔ matches the public key';
      }
      const { manifest } = artifact;
      if (flags.json) {
        io.out.write(`${JSON.stringify(manifest, null, 2)}\n`);
        return;
      }
      const { bold, dim, green } = io.color;
      const rows: Array<[string, string]> = [
        ['plugin', `${bold(manifest.name)} ${manifest.version}`],
        ['build stamp', manifest.buildStamp],
        ['built at', manifest.builtAt],
        ['core', manifest.core],
        ['entry', manifest.entry],
        ['shared', manifest.shared.join(', ') || dim('none')],
        ['live', manifest.live.join(', ') || dim('none')],
        ['hash', `${manifest.hash} ${green('✔ matches the bundle')}`],
        ['signature', manifest.signature === undefined ? dim(signature) : signature],
        ['bundle', `${Buffer.byteLength(artifact.code)} bytes`],
      ];
      for (const [key, value] of rows) io.out.write(`${dim(key.padEnd(12))} ${value}\n`);
    });
}

function readArtifact(path: string): string {
  try {
    // A FIFO or a device would block the read, or never end: only a regular file is opened.
    const info = statSync(path);
    if (!info.isFile()) {
      const what = info.isDirectory() ? 'it is a directory' : info.isFIFO() ? 'it is a FIFO (named pipe)' : 'it is not a regular file';
      throw new CliError(`cannot read the artifact ${path}: ${what}. Give the path of a <name>.hotswap.js file.`, CliErrorCodes.UNREADABLE);
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(error));
    throw new CliError(`cannot read the artifact ${path}: ${why}. Give the path of a <name>.hotswap.js file.`, CliErrorCodes.UNREADABLE);
  }
}
