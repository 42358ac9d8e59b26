import { readFileSync } from 'node:fs';
import { decodeArtifact } from '@hotswap/core';
import type { Command } from 'commander';
import type { Io } from '../output.js';

/** `hotswap inspect`: prints an artifact's manifest after checking it. */
export function registerInspect(program: Command, io: Io): void {
  program
    .command('inspect')
    .description("Check an artifact and print its manifest.")
    .argument('<artifact>', 'a <name>.hotswap.js file')
    .option('--json', 'print the manifest as JSON', false)
    .addHelpText('after', '\nExamples:\n  $ hotswap inspect bin/world.hotswap.js\n  $ hotswap inspect bin/world.hotswap.js --json | jq .version')
    .action((path: string, flags: { json: boolean }) => {
      const artifact = decodeArtifact(readFileSync(path, 'utf8'), path);
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
        ['signature', manifest.signature === undefined ? dim('unsigned') : 'Ed25519 (check it with the host\'s public key)'],
        ['bundle', `${Buffer.byteLength(artifact.code)} bytes`],
      ];
      for (const [key, value] of rows) io.out.write(`${dim(key.padEnd(12))} ${value}\n`);
    });
}
