// docs/errors.md and the error registries say the same: every code thrown
// anywhere has its section, and every section is a real code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildErrorCodes, CliErrorCodes } from '@hotswap/cli';
import { ErrorCodes } from '@hotswap/core';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const registry: string[] = [...Object.values(ErrorCodes), ...Object.values(BuildErrorCodes), ...Object.values(CliErrorCodes)].sort();

it('docs/errors.md has one section per code of the registries, and no other', () => {
  const page = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const documented = [...page.matchAll(/^### `(HOTSWAP_[A-Z_]+)`\s*$/gm)].map((m) => m[1]!).sort();
  expect(new Set(documented).size).toBe(documented.length);
  expect(documented).toEqual(registry);
  // Each section says something.
  for (const code of documented) {
    const section = page.split(`### \`${code}\``)[1]!.split(/^#{2,3} /m)[0]!;
    expect(section.trim().length, `the section of ${code} is empty`).toBeGreaterThan(40);
  }
});

it('every HOTSWAP_ code written in the sources is in a registry', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  };
  walk(join(root, 'packages', 'core', 'src'));
  walk(join(root, 'packages', 'cli', 'src'));
  const used = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?<!env\[)'(HOTSWAP_[A-Z_]+)'/g)].map((m) => m[1]!)));
  expect([...used].filter((code) => !registry.includes(code))).toEqual([]);
});
