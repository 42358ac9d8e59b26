// Lint for the TypeScript of the whole workspace, with type information, so that
// promises nobody awaits and promises passed where a plain value is expected fail.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/*.hotswap.js',
      'coverage/**',
      'docs/reference/api/**',
      'bench/results/**',
      'bench/.build/**',
      'demo/*/bin/**',
      'demo/*/.run/**',
      'demo/*/.tour/**',
    ],
  },
  {
    files: [
      'packages/*/src/**/*.ts',
      'packages/*/test/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'demo/**/*.ts',
      'vitest.config.ts',
    ],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: root,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `const { hash: _hash, ...rest } = m` drops a key; tsc's noUnusedLocals allows the same.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
      // The typed contract uses `{}` on purpose: "nothing declared" (a plugin with no functions, a code with no
      // extra details), which `object` or `Record<string, never>` do not express in conditional and mapped types.
      '@typescript-eslint/no-empty-object-type': 'off',
    },
  },
  {
    // Type tests write mistakes on purpose, each under @ts-expect-error; the lint must not read them as code to fix.
    files: ['**/*.test-d.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
