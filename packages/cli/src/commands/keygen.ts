import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { AtomicWriteError, writeFilesAtomic } from '../atomic.js';
import { CliError, CliErrorCodes } from '../errors.js';
import type { Io } from '../output.js';

/** `hotswap keygen`: makes an Ed25519 key pair for signing artifacts. */
export function registerKeygen(program: Command, io: Io): void {
  program
    .command('keygen')
    .description('Make an Ed25519 key pair: sign artifacts with the private key, give hosts the public one.')
    .argument('<dir>', 'where to write hotswap-signing.key.pem (owner-only) and hotswap-signing.pub.pem')
    .addHelpText(
      'after',
      "\nExamples:\n  $ hotswap keygen keys\n  $ hotswap build plugins bin --sign keys/hotswap-signing.key.pem\n  (host) new Swapper({ pluginDir: 'bin', publicKey: readFileSync('keys/hotswap-signing.pub.pem', 'utf8') })",
    )
    .action((dir: string) => {
      const privatePath = join(dir, 'hotswap-signing.key.pem');
      const publicPath = join(dir, 'hotswap-signing.pub.pem');
      if (existsSync(privatePath) || existsSync(publicPath)) throw new CliError(`${dir} already holds a hotswap signing key; remove it first.`);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      try {
        // Both keys or neither: a private key without its public key is no use, and the reverse.
        writeFilesAtomic([
          { path: privatePath, data: privateKey.export({ type: 'pkcs8', format: 'pem' }), mode: 0o600 },
          { path: publicPath, data: publicKey.export({ type: 'spki', format: 'pem' }) },
        ]);
      } catch (error) {
        const where = error instanceof AtomicWriteError ? `${error.path}: ${error.reason}` : String(error);
        throw new CliError(`cannot write the key pair into ${dir} (${where}). Give a directory that can be created and written.`, CliErrorCodes.UNWRITABLE);
      }
      io.out.write(`${io.color.green('✔')} ${relative(process.cwd(), privatePath)} (keep it secret) and ${relative(process.cwd(), publicPath)}\n`);
    });
}
