import { relative } from 'node:path';
import type { Command } from 'commander';
import { initPlugin } from '../init.js';
import type { Io } from '../output.js';

/** `hotswap init`: writes a plugin template. */
export function registerInit(program: Command, io: Io): void {
  program
    .command('init')
    .description('Write a typed plugin template that builds and loads as it is.')
    .argument('<dir>', 'the new plugin directory; its name is the plugin name')
    .addHelpText('after', '\nExamples:\n  $ hotswap init plugins/greeter\n  $ hotswap build plugins bin')
    .action((dir: string) => {
      const result = initPlugin(dir);
      for (const file of result.files) io.out.write(`${io.color.green('✔')} ${relative(process.cwd(), `${result.dir}/${file}`)}\n`);
      io.out.write(`plugin "${result.name}" is ready: hotswap build ${relative(process.cwd(), result.dir) || '.'} <outputDir>\n`);
    });
}
