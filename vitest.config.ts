import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts'): string => fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the packages from source; plugins built in tests then share this very instance of the core.
    // The subpath first: an alias also matches what starts with its name.
    alias: [
      { find: /^@hotswap\/core\/plugin$/, replacement: src('core', 'plugin-api.ts') },
      { find: /^@hotswap\/core$/, replacement: src('core') },
      { find: /^@hotswap\/cli$/, replacement: src('cli') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: {
      forks: { execArgv: ['--expose-gc'] },
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
