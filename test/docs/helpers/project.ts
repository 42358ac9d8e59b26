// A docs page as a TypeScript project: which fenced blocks become which
// files, the project's states as the page changes files, writing a state to a
// temporary directory, type-checking it, and running a program of it.
// The conventions are documented in docs/README.md ("Writing docs").
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { fences, rel, ROOT, type Fence } from './markdown.js';

/** A fenced block that contributes a file to the page's project. */
export interface SourceBlock {
  fence: Fence;
  /** `ts` for ```ts / ```typescript, `json` for ```json file=…, `diff` for ```diff file=…. */
  kind: 'ts' | 'json' | 'diff';
  /** For ts blocks: 1-based number among the page's ts blocks, as messages name them. */
  n: number;
  /** The file's path in the project, with forward slashes. */
  path: string;
  /** Whether the block gave the path itself (`// file:`, `file=`), as opposed to `sample-<n>.ts`. */
  named: boolean;
  /** ```ts run: the block is a program the test runs. */
  run: boolean;
  /** The ```text output block that follows a ```ts run block. */
  expected?: Fence;
}

/** A page read as a project. */
export interface PageProject {
  page: string;
  blocks: SourceBlock[];
  /** Broken conventions, each a message starting with `page:line`. */
  problems: string[];
}

/** One version of one file: the text and the block it came from. */
export interface FileVersion {
  path: string;
  text: string;
  block: SourceBlock;
}

/** The files of a project at one point of the page. */
export type ProjectState = Map<string, FileVersion>;

const TS_LANGS = new Set(['ts', 'typescript']);
const TS_FLAGS = new Set(['run', 'ignore']);
const FILE_LINE = /^\/\/\s*file:\s*(\S+)\s*$/;
const TS_EXTENSIONS = /\.(ts|mts|cts|tsx)$/;

/** Reads a page's fenced blocks by the conventions. */
export function readPage(page: string): PageProject {
  const all = fences(readFileSync(page, 'utf8'));
  const where = (fence: Fence): string => `${rel(page)}:${fence.line}`;
  const blocks: SourceBlock[] = [];
  const problems: string[] = [];
  let n = 0;
  all.forEach((fence, i) => {
    if (TS_LANGS.has(fence.lang)) {
      n++;
      const unknown = fence.words.filter((w) => !TS_FLAGS.has(w));
      if (unknown.length > 0) {
        problems.push(`${where(fence)}: ts block ${n} has the info string "${fence.info}"; only "ts", "ts run" and "ts ignore" are known (unknown: ${unknown.join(' ')}).`);
        return;
      }
      if (fence.words.includes('ignore')) {
        if (fence.words.includes('run')) problems.push(`${where(fence)}: ts block ${n} is both "run" and "ignore".`);
        return;
      }
      const first = fence.text.split('\n', 1)[0] ?? '';
      const named = FILE_LINE.exec(first);
      let path = `sample-${n}.ts`;
      if (named !== null) {
        const checked = checkPath(named[1]!);
        if (typeof checked !== 'string' || !TS_EXTENSIONS.test(checked)) {
          problems.push(`${where(fence)}: ts block ${n} names the file "${named[1]}": ${typeof checked === 'string' ? 'a ts block must be a .ts, .mts, .cts or .tsx file' : checked.error}.`);
          return;
        }
        path = checked;
      }
      blocks.push({ fence, kind: 'ts', n, path, named: named !== null, run: fence.words.includes('run') });
    } else if (fence.lang === 'json' || fence.lang === 'diff') {
      const attr = fence.words.find((w) => w.startsWith('file='));
      if (attr === undefined) return; // an illustration, not a file
      const checked = checkPath(attr.slice('file='.length));
      if (typeof checked !== 'string') {
        problems.push(`${where(fence)}: ${fence.lang} block names the file "${attr.slice(5)}": ${checked.error}.`);
        return;
      }
      blocks.push({ fence, kind: fence.lang, n: 0, path: checked, named: true, run: false });
    } else if (fence.lang === 'text' && fence.words.includes('output')) {
      const before = blocks.at(-1);
      if (before === undefined || before.fence !== all[i - 1] || !before.run) {
        problems.push(`${where(fence)}: a "text output" block must come right after a "ts run" block (the next fenced block after it).`);
        return;
      }
      before.expected = fence;
    }
  });
  return { page, blocks, problems };
}

function checkPath(path: string): string | { error: string } {
  if (isAbsolute(path) || path.startsWith('~')) return { error: 'the path must be relative to the project' };
  const clean = posix.normalize(path);
  if (clean.startsWith('../') || clean === '..' || clean.split('/').includes('node_modules')) {
    return { error: 'the path must stay inside the project and out of node_modules' };
  }
  return clean;
}

/** The states a page's project goes through, with where each program runs. */
export interface Timeline {
  /** The first state (each file as first given), then one state per later change of a file. */
  states: { state: ProjectState; change?: FileVersion }[];
  /** For each ```ts run block, the project as it is when the page reaches it. */
  runs: Map<SourceBlock, ProjectState>;
  /** Every version of every file, in page order (a diff's version is the file after the diff). */
  versions: FileVersion[];
  problems: string[];
}

/**
 * Replays the page: the first block for a path creates the file; a later
 * ```ts or ```json block for the same path replaces it; a ```diff file=…
 * block edits it (its `-`/space lines must be found in the file, and are
 * replaced by its `+`/space lines).
 */
export function timeline(project: PageProject): Timeline {
  const problems: string[] = [];
  const current: ProjectState = new Map();
  const first: ProjectState = new Map();
  const versions: FileVersion[] = [];
  const at: ProjectState[] = [];
  for (const block of project.blocks) {
    let text = block.fence.text;
    if (block.kind === 'diff') {
      const before = current.get(block.path);
      if (before === undefined) {
        problems.push(`${rel(project.page)}:${block.fence.line}: the diff edits ${block.path}, which no block above it creates.`);
        at.push(new Map(current));
        continue;
      }
      const applied = applyDiff(before.text, block.fence.text);
      if (typeof applied !== 'string') {
        problems.push(`${rel(project.page)}:${block.fence.line}: the diff does not apply to ${block.path}: ${applied.error}`);
        at.push(new Map(current));
        continue;
      }
      text = applied;
    }
    const version: FileVersion = { path: block.path, text, block };
    versions.push(version);
    if (!first.has(block.path)) first.set(block.path, version);
    current.set(block.path, version);
    at.push(new Map(current));
  }
  const states: Timeline['states'] = [{ state: new Map(first) }];
  const seen = new Set<string>();
  for (const version of versions) {
    if (seen.has(version.path)) {
      const state = new Map(states.at(-1)!.state);
      state.set(version.path, version);
      states.push({ state, change: version });
    }
    seen.add(version.path);
  }
  const runs = new Map<SourceBlock, ProjectState>();
  project.blocks.forEach((block, i) => {
    if (!block.run) return;
    const state = new Map(at[i]);
    for (const [path, version] of first) if (!state.has(path)) state.set(path, version);
    runs.set(block, state);
  });
  return { states, runs, versions, problems };
}

/** Applies a unified-style diff (no line numbers needed) to `text`. */
export function applyDiff(text: string, diff: string): string | { error: string } {
  const hunks: { old: string[]; new: string[] }[] = [];
  let hunk: { old: string[]; new: string[] } | undefined;
  for (const line of diff.replace(/\n$/, '').split('\n')) {
    if (/^(---|\+\+\+|diff |index )/.test(line)) continue;
    if (line.startsWith('@@')) {
      hunk = undefined;
      continue;
    }
    hunk ??= hunks[hunks.push({ old: [], new: [] }) - 1]!;
    const mark = line[0] ?? ' ';
    const body = line.slice(1);
    if (mark === '-') hunk.old.push(body);
    else if (mark === '+') hunk.new.push(body);
    else if (mark === ' ') {
      hunk.old.push(body);
      hunk.new.push(body);
    } else return { error: `the line "${line}" starts with neither "-", "+" nor a space.` };
  }
  let out = text;
  for (const h of hunks) {
    const old = h.old.join('\n');
    const index = out.indexOf(old);
    if (old === '' || index < 0) return { error: `these lines are not in it:\n${h.old.map((l) => `    ${l}`).join('\n')}` };
    out = out.slice(0, index) + h.new.join('\n') + out.slice(index + old.length);
  }
  return out;
}

// --- the project on disk ---------------------------------------------------

/**
 * The workspace packages, and what the samples import besides them (tsx,
 * Express with its types, Fastify), that a project's node_modules links to.
 */
export function linkTargets(): Record<string, string> {
  return {
    '@hotswap/core': join(ROOT, 'packages', 'core'),
    '@hotswap/cli': join(ROOT, 'packages', 'cli'),
    '@hotswap/fastify': join(ROOT, 'packages', 'fastify'),
    '@hotswap/express': join(ROOT, 'packages', 'express'),
    // Fastify is a dependency of @hotswap/fastify only, not of the workspace root.
    fastify: realpathSync(join(ROOT, 'packages', 'fastify', 'node_modules', 'fastify')),
    tsx: realpathSync(join(ROOT, 'node_modules', 'tsx')),
    express: realpathSync(join(ROOT, 'node_modules', 'express')),
    '@types/express': realpathSync(join(ROOT, 'node_modules', '@types', 'express')),
  };
}

/** Fails with a clear message when the packages have not been built (programs import their dist). */
export function assertBuilt(): void {
  for (const file of ['packages/core/dist/index.js', 'packages/cli/dist/index.js', 'packages/cli/dist/main.js']) {
    if (!existsSync(join(ROOT, file))) {
      throw new Error(`${file} is missing: build the packages first (\`pnpm build\`; the root \`pnpm test\` does it).`);
    }
  }
}

/** A fresh temporary directory. */
export function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `hotswap-docs-${prefix}-`)));
}

/**
 * Writes a state into `dir`: a package.json with "type": "module" unless the
 * page gives its own, every file, and node_modules links to the workspace's
 * packages and the samples' other imports (see linkTargets).
 */
export function writeProject(dir: string, state: ProjectState): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (!state.has('package.json')) {
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'docs-sample', private: true, type: 'module' }, null, 2)}\n`);
  }
  for (const version of state.values()) writeFile(dir, version.path, version.text);
  linkNodeModules(dir);
}

/** Writes `text` at `path` (relative, forward slashes) under `dir`. */
export function writeFile(dir: string, path: string, text: string): void {
  const target = join(dir, ...path.split('/'));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

/** The links of linkTargets in `dir`'s node_modules. */
export function linkNodeModules(dir: string): void {
  for (const [name, target] of Object.entries(linkTargets())) {
    const link = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
}

// --- type-checking -----------------------------------------------------------

/** One compiler diagnostic, located. */
export interface Problem {
  /** The project file (relative path), or a path outside the project relative to the repository. */
  file?: string;
  /** 1-based line and column in that file. */
  line?: number;
  column?: number;
  code: number;
  message: string;
}

let baseOptions: ts.CompilerOptions | undefined;

/** The repository's strict settings (tsconfig.base.json), for docs samples. */
export function sampleCompilerOptions(): ts.CompilerOptions {
  if (baseOptions === undefined) {
    const file = join(ROOT, 'tsconfig.base.json');
    const read = ts.readConfigFile(file, (p) => ts.sys.readFile(p));
    if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, file);
    baseOptions = parsed.options;
  }
  return {
    ...baseOptions,
    // Samples are fragments: an unused import or parameter is not a mistake in them.
    noUnusedLocals: false,
    noUnusedParameters: false,
    noEmit: true,
    allowImportingTsExtensions: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    types: ['node'],
    paths: {
      '@hotswap/core/plugin': [join(ROOT, 'packages', 'core', 'src', 'plugin-api.ts')],
      '@hotswap/core': [join(ROOT, 'packages', 'core', 'src', 'index.ts')],
      '@hotswap/cli': [join(ROOT, 'packages', 'cli', 'src', 'index.ts')],
      '@hotswap/fastify': [join(ROOT, 'packages', 'fastify', 'src', 'index.ts')],
      '@hotswap/express': [join(ROOT, 'packages', 'express', 'src', 'index.ts')],
    },
  };
}

// Files outside the temporary projects (the packages' sources, @types/node, lib files)
// are parsed once and shared by every program.
const sourceCache = new Map<string, ts.SourceFile>();

/**
 * Type-checks the project written in `dir` (every .ts file of `state`) with
 * the strict sample options, plus the `compilerOptions.paths` of the page's
 * own tsconfig.json if it gives one.
 */
export function typecheck(dir: string, state: ProjectState): Problem[] {
  const options = sampleCompilerOptions();
  const tsconfig = state.get('tsconfig.json');
  if (tsconfig !== undefined) {
    const parsed = ts.parseConfigFileTextToJson('tsconfig.json', tsconfig.text);
    const compilerOptions = (parsed.config as { compilerOptions?: { paths?: Record<string, string[]>; baseUrl?: string } } | undefined)?.compilerOptions;
    const base = resolve(dir, compilerOptions?.baseUrl ?? '.');
    for (const [key, targets] of Object.entries(compilerOptions?.paths ?? {})) {
      options.paths = { ...options.paths, [key]: targets.map((t) => resolve(base, t)) };
    }
  }
  const roots = [...state.keys()].filter((p) => TS_EXTENSIONS.test(p)).map((p) => join(dir, ...p.split('/')));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const inProject = (file: string): boolean => !relative(dir, file).startsWith('..');
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile) => {
    if (inProject(fileName)) return getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile);
    const o = languageVersionOrOptions;
    const key = `${fileName}|${typeof o === 'object' ? `${o.languageVersion}:${String(o.impliedNodeFormat)}` : o}`;
    let sf = sourceCache.get(key);
    if (sf === undefined) {
      sf = getSourceFile(fileName, languageVersionOrOptions, onError, shouldCreateNewSourceFile);
      if (sf !== undefined) sourceCache.set(key, sf);
    }
    return sf;
  };
  const program = ts.createProgram({ rootNames: roots, options, host });
  const diagnostics: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const sf of program.getSourceFiles()) {
    if (!inProject(sf.fileName)) continue;
    diagnostics.push(...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf));
  }
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return { code: d.code, message };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const file = inProject(d.file.fileName) ? relative(dir, d.file.fileName).split(sep).join('/') : rel(d.file.fileName);
    return { file, line: line + 1, column: character + 1, code: d.code, message };
  });
}

/** Where a problem is on the page: `docs/x.md:57:5 (ts block 3, host.ts:2:5)`. */
export function locate(page: string, state: ProjectState, problem: Problem): string {
  const version = problem.file === undefined ? undefined : state.get(problem.file);
  if (version === undefined || problem.line === undefined) {
    return `${rel(page)}${problem.file === undefined ? '' : ` (${problem.file}${problem.line === undefined ? '' : `:${problem.line}:${problem.column}`})`}`;
  }
  const { block } = version;
  const inFile = `${problem.file}:${problem.line}:${problem.column}`;
  if (block.kind === 'diff') return `${rel(page)}:${block.fence.line} (${inFile}, as the diff at this line leaves it)`;
  const name = block.kind === 'ts' ? `ts block ${block.n}` : `${block.kind} block`;
  return `${rel(page)}:${block.fence.contentLine + problem.line - 1}:${problem.column} (${name}, ${inFile})`;
}

// --- running -----------------------------------------------------------------

/** What a program did. */
export interface RunResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** The environment for child processes: this one, without what would change how Node starts. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env['NODE_OPTIONS'];
  return env;
}

/** Runs `node --import tsx <file>` in `dir`. */
export function runProgram(dir: string, file: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd: dir, env: childEnv(), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: string; killed?: boolean }) | null;
        done({
          code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
          signal: failure?.signal ?? null,
          timedOut: failure?.killed === true && failure.signal === 'SIGKILL',
          stdout,
          stderr,
        });
      },
    );
  });
}

/** Output compared the way `text output` blocks are: each line's trailing spaces and the trailing blank lines dropped. */
export function normalizeOutput(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

