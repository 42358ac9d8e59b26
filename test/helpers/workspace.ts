// A throwaway directory with plugin sources and an artifact directory, built
// with the real `hotswap build`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, type BuildOptions, type BuildResult } from '@hotswap/cli';

export interface Workspace {
  root: string;
  /** Plugin sources: one directory per plugin. */
  src: string;
  /** Where artifacts are built. */
  bin: string;
  /** Writes `files` (relative path → text) into plugin `name`; `index.ts` is the entry. */
  plugin(name: string, files: Record<string, string>, version?: string): void;
  /** Builds every plugin into `bin`. */
  build(options?: Partial<BuildOptions>): Promise<BuildResult>;
  /** Removes a plugin's sources and artifact. */
  remove(name: string): void;
  cleanup(): void;
}

export function workspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'hotswap-test-'));
  const src = join(root, 'plugins');
  const bin = join(root, 'bin');
  mkdirSync(src);
  return {
    root,
    src,
    bin,
    plugin(name, files, version = '1.0.0') {
      const dir = join(src, name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, private: true }));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
    },
    build(options = {}) {
      return build({ pluginDir: src, outputDir: bin, ...options });
    },
    remove(name) {
      rmSync(join(src, name), { recursive: true, force: true });
      rmSync(join(bin, `${name}.hotswap.js`), { force: true });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The source of a plugin whose function `whoami` answers `label`, and which
 * records each hook it runs in the host's `log` (a shared module named
 * `test-log`). `extra` is spliced into the definition.
 */
export function recordingPlugin(label: string, extra = ''): string {
  return `
import { definePlugin } from '@hotswap/core/plugin';
import { log } from 'test-log';
const label = ${JSON.stringify(label)};
export default definePlugin({
  onLoad(ctx) { log.push(\`\${ctx.name}:\${label}:onLoad\`); },
  onInit(ctx) { log.push(\`\${ctx.name}:\${label}:onInit\`); },
  onFree(ctx) { log.push(\`\${ctx.name}:\${label}:onFree\`); },
  functions: { whoami: () => label },
  ${extra}
});
`;
}
