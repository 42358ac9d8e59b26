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
      { find: /^@hotswap\/fastify$/, replacement: src('fastify') },
      { find: /^@hotswap\/express$/, replacement: src('express') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: {
      forks: { execArgv: ['--expose-gc'] },
    },
    // `pnpm test:coverage` prints a summary for the packages' sources and writes coverage/coverage-summary.json.
    // No thresholds: the figure is a report, not a gate. Only the test processes are measured, not the child
    // processes tests spawn. test/memory runs apart (`pnpm test:memory`): precise coverage keeps every compiled
    // function's code alive, so a retired plugin version's code would stay and the memory tests would fail.
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
    },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
