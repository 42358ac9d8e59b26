import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { PLUGIN_NAME_PATTERN } from '@hotswap/core';
import { AtomicWriteError, writeFilesAtomic } from './atomic.js';
import { BuildError, BuildErrorCodes, CliError, CliErrorCodes } from './errors.js';

/** What `hotswap init` wrote. */
export interface InitResult {
  name: string;
  dir: string;
  files: string[];
}

/**
 * Writes a typed plugin template into `dir` (which must be new or empty): an
 * entry that builds and loads as it is, and a package.json for its version.
 */
export function initPlugin(dir: string): InitResult {
  const target = resolve(dir);
  const name = basename(target);
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    throw new BuildError(BuildErrorCodes.BAD_NAME, `"${name}" is not a valid plugin name: use letters, digits, "_", "-" and ".", not starting with "-" or ".".`);
  }
  checkEmpty(dir, target);
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'module' }, null, 2)}\n`,
    'index.ts': template(name),
  };
  try {
    writeFilesAtomic(Object.entries(files).map(([file, text]) => ({ path: join(target, file), data: text })));
  } catch (error) {
    const where = error instanceof AtomicWriteError ? `${error.path}: ${error.reason}` : String(error);
    throw new CliError(`cannot write the template into ${dir} (${where}). Give a directory that can be created and written.`, CliErrorCodes.UNWRITABLE);
  }
  return { name, dir: target, files: Object.keys(files) };
}

/** Refuses a target that is a file, or a directory with anything in it. */
function checkEmpty(dir: string, target: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch {
    // Missing (or unreachable, which writing reports): it is made.
    return;
  }
  if (!isDirectory) throw new BuildError(BuildErrorCodes.BAD_OPTION, `${dir} is a file; hotswap init writes into a new or empty directory.`);
  let entries: string[];
  try {
    entries = readdirSync(target);
  } catch (error) {
    throw new CliError(
      `cannot read the directory ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}), so hotswap init cannot tell it is empty. ` +
        'Give a new directory, or an empty one it may read.',
      CliErrorCodes.UNREADABLE,
    );
  }
  if (entries.length > 0) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `${dir} is not empty; hotswap init writes into a new or empty directory.`);
  }
}

function template(name: string): string {
  const type = `${name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}Contract`;
  return `// Plugin "${name}". Build it with \`hotswap build <pluginDir> <outputDir>\`;
// a host loads it with new Swapper({ pluginDir: <outputDir> }).
import { definePlugin } from '@hotswap/core/plugin';

/** This plugin's side of the contract; move it to a contract module the host shares. */
export interface ${type} {
  plugins: { '${name}': { functions: { greet(name: string): string } } };
}

let greeting = 'Hello';

export default definePlugin<${type}, '${name}'>({
  onLoad(ctx) {
    ctx.log.info(\`\${ctx.name} \${ctx.version} loaded (build \${ctx.buildStamp})\`);
  },
  onFree(ctx) {
    ctx.log.info(\`\${ctx.name} \${ctx.version} freed\`);
  },
  // Hand state to the next version at a reload, and take it from the previous one.
  giveState: () => ({ greeting }),
  takeState(previous) {
    const state = previous.state as { greeting?: unknown } | undefined;
    if (typeof state?.greeting === 'string') greeting = state.greeting;
  },
  functions: {
    greet: (name) => \`\${greeting}, \${name}!\`,
  },
});
`;
}
