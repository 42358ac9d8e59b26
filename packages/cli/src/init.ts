import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { BuildError, BuildErrorCodes } from './errors.js';

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
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new BuildError(BuildErrorCodes.BAD_NAME, `"${name}" is not a valid plugin name: use letters, digits, "_", "-" and ".".`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new BuildError(BuildErrorCodes.BAD_OPTION, `${dir} is not empty; hotswap init writes into a new or empty directory.`);
  }
  mkdirSync(target, { recursive: true });
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'module' }, null, 2)}\n`,
    'index.ts': template(name),
  };
  for (const [file, text] of Object.entries(files)) writeFileSync(join(target, file), text);
  return { name, dir: target, files: Object.keys(files) };
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
