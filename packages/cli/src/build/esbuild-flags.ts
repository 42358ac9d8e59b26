import type { BuildOptions as EsbuildOptions, Drop, Loader } from 'esbuild';
import { BuildError, BuildErrorCodes } from '../errors.js';

/** Options hotswap sets itself: an artifact is always one CommonJS bundle for Node with an inline map. */
const RESERVED = ['bundle', 'format', 'platform', 'outfile', 'outdir', 'sourcemap', 'splitting', 'watch', 'serve', 'write', 'metafile'];

const SUPPORTED =
  '--define:K=V, --alias:A=B, --loader:.ext=L, --inject:F, --banner:js=T, --footer:js=T, ' +
  '--drop:console|debugger, --pure:N, --minify, --minify-whitespace, --minify-identifiers, --minify-syntax, ' +
  '--keep-names, --target=T, --tree-shaking=true|false, --legal-comments=V, --charset=utf8, --tsconfig=F, ' +
  '--jsx=V, --jsx-factory=F, --jsx-fragment=F, --main-fields=A,B, --conditions=A,B, --supported:F=true|false';

/** One flag after `--`, split up: `--name:key=value`. */
interface Flag {
  text: string;
  name: string;
  key: string | undefined;
  value: string | undefined;
  /** The key or value, or a refusal saying what is missing. */
  need(what: string | undefined, label: string): string;
}

/** What the flags add up to: the options, and the maps and lists that several flags fill. */
interface Collected {
  options: EsbuildOptions;
  define: Record<string, string>;
  alias: Record<string, string>;
  loader: Record<string, Loader>;
  supported: Record<string, boolean>;
  inject: string[];
  drop: Drop[];
  pure: string[];
}

const on = (value: string | undefined): boolean => value === undefined || value === 'true';

/** How each accepted flag changes the options. */
const HANDLERS: Record<string, (flag: Flag, into: Collected) => void> = {
  define: (f, c) => void (c.define[f.need(f.key, 'a name: --define:NAME=VALUE')] = f.need(f.value, 'a value')),
  alias: (f, c) => void (c.alias[f.need(f.key, 'a module: --alias:FROM=TO')] = f.need(f.value, 'a target')),
  loader: (f, c) => void (c.loader[f.need(f.key, 'an extension: --loader:.ext=LOADER')] = f.need(f.value, 'a loader') as Loader),
  supported: (f, c) => void (c.supported[f.need(f.key, 'a feature')] = f.need(f.value, 'true or false') === 'true'),
  external: (f) => {
    throw bad(f.text, 'a module left out of the bundle must come from the host: list it with --shared instead');
  },
  inject: (f, c) => void c.inject.push(f.need(f.key, 'a file: --inject:FILE')),
  drop: (f, c) => {
    const what = f.need(f.key, 'console or debugger');
    if (what !== 'console' && what !== 'debugger') throw bad(f.text, 'only console and debugger can be dropped');
    c.drop.push(what);
  },
  pure: (f, c) => void c.pure.push(f.need(f.key, 'a function name')),
  banner: (f, c) => void (c.options.banner = { js: jsOnly(f) }),
  footer: (f, c) => void (c.options.footer = { js: jsOnly(f) }),
  minify: (f, c) => void (c.options.minify = on(f.value)),
  'keep-names': (f, c) => void (c.options.keepNames = on(f.value)),
  'minify-whitespace': (f, c) => void (c.options.minifyWhitespace = on(f.value)),
  'minify-identifiers': (f, c) => void (c.options.minifyIdentifiers = on(f.value)),
  'minify-syntax': (f, c) => void (c.options.minifySyntax = on(f.value)),
  target: (f, c) => void (c.options.target = f.need(f.value, 'a target such as node20').split(',')),
  'tree-shaking': (f, c) => void (c.options.treeShaking = f.need(f.value, 'true or false') === 'true'),
  'legal-comments': (f, c) => void (c.options.legalComments = f.need(f.value, 'a mode') as EsbuildOptions['legalComments']),
  charset: (f, c) => {
    if (f.value !== 'utf8') throw bad(f.text, 'the only charset is utf8');
    c.options.charset = 'utf8';
  },
  tsconfig: (f, c) => void (c.options.tsconfig = f.need(f.value, 'a file')),
  jsx: (f, c) => void (c.options.jsx = f.need(f.value, 'a mode') as EsbuildOptions['jsx']),
  'jsx-factory': (f, c) => void (c.options.jsxFactory = f.need(f.value, 'a name')),
  'jsx-fragment': (f, c) => void (c.options.jsxFragment = f.need(f.value, 'a name')),
  'main-fields': (f, c) => void (c.options.mainFields = f.need(f.value, 'a list').split(',')),
  conditions: (f, c) => void (c.options.conditions = f.need(f.value, 'a list').split(',')),
};

/**
 * Turns the bundler flags given after `--` (esbuild's own CLI syntax) into
 * esbuild build options. Flags that would change what an artifact is are
 * refused, as are flags this parser does not know, each with
 * `HOTSWAP_BUILD_BAD_FLAG`.
 */
export function parseEsbuildFlags(flags: readonly string[]): EsbuildOptions {
  const c: Collected = { options: {}, define: {}, alias: {}, loader: {}, supported: {}, inject: [], drop: [], pure: [] };
  for (const text of flags) {
    const flag = parse(text);
    if (RESERVED.includes(flag.name)) throw bad(text, 'hotswap sets this itself, so every artifact has the same shape');
    const handler = Object.hasOwn(HANDLERS, flag.name) ? HANDLERS[flag.name] : undefined;
    if (handler === undefined) throw bad(text, 'hotswap does not pass this flag on');
    handler(flag, c);
  }
  const { options } = c;
  if (Object.keys(c.define).length > 0) options.define = c.define;
  if (Object.keys(c.alias).length > 0) options.alias = c.alias;
  if (Object.keys(c.loader).length > 0) options.loader = c.loader;
  if (Object.keys(c.supported).length > 0) options.supported = c.supported;
  if (c.inject.length > 0) options.inject = c.inject;
  if (c.drop.length > 0) options.drop = c.drop;
  if (c.pure.length > 0) options.pure = c.pure;
  return options;
}

function parse(text: string): Flag {
  const match = /^--([a-z-]+)(?::([^=]*))?(?:=(.*))?$/s.exec(text);
  if (match === null) throw bad(text, 'it is not an esbuild flag');
  const [, name = '', key, value] = match;
  const need = (what: string | undefined, label: string): string => {
    if (what === undefined || what === '') throw bad(text, `it needs ${label}`);
    return what;
  };
  return { text, name, key, value, need };
}

/** The text of `--banner:js=T` or `--footer:js=T`; any other key is refused. */
function jsOnly(flag: Flag): string {
  if (flag.key !== 'js') throw bad(flag.text, `use --${flag.name}:js=TEXT`);
  return flag.value ?? '';
}

function bad(flag: string, why: string): BuildError {
  return new BuildError(BuildErrorCodes.BAD_FLAG, `bundler flag ${flag} is refused: ${why}. Supported: ${SUPPORTED}.`);
}
