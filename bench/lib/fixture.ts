// Plugin sources and throwaway directories shared by the cases. It imports
// no package, so the dynohot host (whose loader transforms every module
// outside node_modules) can use it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Doubles in the payload: 131072 × 8 bytes = 1 MiB on the heap, owned by the version. */
export const PAYLOAD_LENGTH = 131072;

/** The version marker in every plugin's source; a new version replaces the number. */
export const marker = (n: number): string => `@@V:${n}@@`;

/** The statements that make a version hold 1 MiB and report it to the tracker (plain JS, valid TS). */
const payload = `const payload = Array.from({ length: ${PAYLOAD_LENGTH} }, (_, i) => i + 0.5);
(globalThis as any).__benchTrack?.(payload);`;

const js = (ts: string): string => ts.replace(/ as any/g, '');

/** A hotswap plugin (TypeScript) that holds 1 MiB; `value()` answers its version marker. */
export function oursBigPlugin(n: number): string {
  return `import { definePlugin } from '@hotswap/core/plugin';
${payload}
const VALUE = ${JSON.stringify(marker(n))};
export default definePlugin({
  functions: {
    value: () => VALUE,
    size: () => payload.length,
  },
});
`;
}

/**
 * The same plugin as an ES module for the tools with no plugin API: it hands
 * itself to the host through \`globalThis.__benchServe\` when evaluated, and
 * accepts its own hot updates where \`import.meta.hot\` exists (Vite, dynohot).
 */
export function esmBigPlugin(n: number, typescript = false): string {
  const body = `${payload}
const VALUE = ${JSON.stringify(marker(n))};
export const value = () => VALUE;
export const size = () => payload.length;
(globalThis as any).__benchServe?.({ value, size });
if ((import.meta as any).hot) (import.meta as any).hot.accept();
`;
  return typescript ? body : js(body);
}

/** The same plugin as a CommonJS module, for `require`. */
export function cjsBigPlugin(n: number): string {
  return js(`${payload}
const VALUE = ${JSON.stringify(marker(n))};
const api = { value: () => VALUE, size: () => payload.length };
(globalThis as any).__benchServe?.(api);
module.exports = api;
`);
}

/** A throwaway directory; removed by `cleanup`. */
export interface Scratch {
  root: string;
  /** Plugin sources, one directory per plugin. */
  src: string;
  /** Where artifacts go. */
  bin: string;
  /** Writes plugin `name`'s files (relative path → text) and its package.json. */
  plugin(name: string, files: Record<string, string>, version?: string): string;
  cleanup(): void;
}

export function scratch(prefix = 'hotswap-bench-'): Scratch {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const src = join(root, 'plugins');
  const bin = join(root, 'bin');
  mkdirSync(src);
  mkdirSync(bin);
  return {
    root,
    src,
    bin,
    plugin(name, files, version = '1.0.0') {
      const dir = join(src, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version, private: true }));
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      return dir;
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A seeded pseudo-random generator (the same LCG as the dependency tests). */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** Plugin names p0000, p0001, …: sorting by name keeps index order. */
export const pluginName = (i: number): string => `p${String(i).padStart(4, '0')}`;

/**
 * A plugin for graphs: it imports `deps`, exports `root()` (the version
 * marker of the deepest plugin it reaches through its first import, or its
 * own) and offers `value()` (its own marker) and `root()`.
 */
export function graphPlugin(n: number, deps: readonly string[]): string {
  const imports = Object.fromEntries(deps.map((d) => [d, '*']));
  const first = deps[0];
  return `import { definePlugin } from '@hotswap/core/plugin';
interface Api { root(): string }
const VALUE = ${JSON.stringify(marker(n))};
let exported: Api | undefined;
export default definePlugin<{ imports: Record<string, Api>; exports: Api }>({
  import: ${JSON.stringify(imports)},
  export: (ctx) => (exported = { root: () => ${first === undefined ? 'VALUE' : `ctx.imports[${JSON.stringify(first)}]!.root()`} }),
  functions: {
    value: () => VALUE,
    root: () => exported!.root(),
  },
});
`;
}
