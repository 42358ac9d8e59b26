import type { BuildOptions as EsbuildOptions, Drop, Loader } from 'esbuild';
import { BuildError, BuildErrorCodes } from '../errors.js';

/** Options hotswap sets itself: an artifact is always one CommonJS bundle for Node with an inline map. */
const RESERVED = ['bundle', 'format', 'platform', 'outfile', 'outdir', 'sourcemap', 'splitting', 'watch', 'serve', 'write', 'metafile'];

const SUPPORTED =
  '--define:K=V, --alias:A=B, --loader:.ext=L, --inject:F, --banner:js=T, --footer:js=T, ' +
  '--drop:console|debugger, --pure:N, --minify, --minify-whitespace, --minify-identifiers, --minify-syntax, ' +
  '--keep-names, --target=T, --tree-shaking=true|false, --legal-comments=V, --charset=utf8, --tsconfig=F, ' +
  '--jsx=V, --jsx-factory=F, --jsx-fragment=F, --main-fields=A,B, --conditions=A,B, --supported:F=true|false';

/**
 * Turns the bundler flags given after `--` (esbuild's own CLI syntax) into
 * esbuild build options. Flags that would change what an artifact is are
 * refused, as are flags this parser does not know, each with
 * `HOTSWAP_BUILD_BAD_FLAG`.
 */
export function parseEsbuildFlags(flags: readonly string[]): EsbuildOptions {
  const options: EsbuildOptions = {};
  const define: Record<string, string> = {};
  const alias: Record<string, string> = {};
  const loader: Record<string, Loader> = {};
  const supported: Record<string, boolean> = {};
  const inject: string[] = [];
  const drop: Drop[] = [];
  const pure: string[] = [];
  for (const flag of flags) {
    const match = /^--([a-z-]+)(?::([^=]*))?(?:=(.*))?$/s.exec(flag);
    if (match === null) throw bad(flag, 'it is not an esbuild flag');
    const [, name = '', key, value] = match;
    if (RESERVED.includes(name)) throw bad(flag, 'hotswap sets this itself, so every artifact has the same shape');
    const need = (what: string | undefined, label: string): string => {
      if (what === undefined || what === '') throw bad(flag, `it needs ${label}`);
      return what;
    };
    switch (name) {
      case 'define':
        define[need(key, 'a name: --define:NAME=VALUE')] = need(value, 'a value');
        break;
      case 'alias':
        alias[need(key, 'a module: --alias:FROM=TO')] = need(value, 'a target');
        break;
      case 'loader':
        loader[need(key, 'an extension: --loader:.ext=LOADER')] = need(value, 'a loader') as Loader;
        break;
      case 'supported':
        supported[need(key, 'a feature')] = need(value, 'true or false') === 'true';
        break;
      case 'external':
        throw bad(flag, 'a module left out of the bundle must come from the host: list it with --shared instead');
      case 'inject':
        inject.push(need(key, 'a file: --inject:FILE'));
        break;
      case 'drop': {
        const what = need(key, 'console or debugger');
        if (what !== 'console' && what !== 'debugger') throw bad(flag, 'only console and debugger can be dropped');
        drop.push(what);
        break;
      }
      case 'pure':
        pure.push(need(key, 'a function name'));
        break;
      case 'banner':
      case 'footer':
        if (key !== 'js') throw bad(flag, `use --${name}:js=TEXT`);
        options[name] = { js: value ?? '' };
        break;
      case 'minify':
      case 'keep-names': {
        const on = value === undefined || value === 'true';
        if (name === 'minify') options.minify = on;
        else options.keepNames = on;
        break;
      }
      case 'minify-whitespace':
        options.minifyWhitespace = value === undefined || value === 'true';
        break;
      case 'minify-identifiers':
        options.minifyIdentifiers = value === undefined || value === 'true';
        break;
      case 'minify-syntax':
        options.minifySyntax = value === undefined || value === 'true';
        break;
      case 'target':
        options.target = need(value, 'a target such as node20').split(',');
        break;
      case 'tree-shaking':
        options.treeShaking = need(value, 'true or false') === 'true';
        break;
      case 'legal-comments':
        options.legalComments = need(value, 'a mode') as EsbuildOptions['legalComments'];
        break;
      case 'charset':
        if (value !== 'utf8') throw bad(flag, 'the only charset is utf8');
        options.charset = 'utf8';
        break;
      case 'tsconfig':
        options.tsconfig = need(value, 'a file');
        break;
      case 'jsx':
        options.jsx = need(value, 'a mode') as EsbuildOptions['jsx'];
        break;
      case 'jsx-factory':
        options.jsxFactory = need(value, 'a name');
        break;
      case 'jsx-fragment':
        options.jsxFragment = need(value, 'a name');
        break;
      case 'main-fields':
        options.mainFields = need(value, 'a list').split(',');
        break;
      case 'conditions':
        options.conditions = need(value, 'a list').split(',');
        break;
      default:
        throw bad(flag, 'hotswap does not pass this flag on');
    }
  }
  if (Object.keys(define).length > 0) options.define = define;
  if (Object.keys(alias).length > 0) options.alias = alias;
  if (Object.keys(loader).length > 0) options.loader = loader;
  if (Object.keys(supported).length > 0) options.supported = supported;
  if (inject.length > 0) options.inject = inject;
  if (drop.length > 0) options.drop = drop;
  if (pure.length > 0) options.pure = pure;
  return options;
}

function bad(flag: string, why: string): BuildError {
  return new BuildError(BuildErrorCodes.BAD_FLAG, `bundler flag ${flag} is refused: ${why}. Supported: ${SUPPORTED}.`);
}
