// Follows docs/getting-started.md step by step as a reader would. The page's
// contract is in docs/README.md ("Writing docs") and in
// test/docs/getting-started.test.ts.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { start, type Child } from '../../helpers/child.js';
import { fences, rel, ROOT } from './markdown.js';
import {
  assertBuilt,
  childEnv,
  linkNodeModules,
  readPage,
  tempDir,
  timeline,
  writeFile,
  type FileVersion,
} from './project.js';
import { classify, shellCommands, type Action } from './shell.js';

const PLUGIN = 'plugins/greeter/index.ts';
/** The packages the page installs from tarballs, packed from the workspace: the directory in the repository and the tarball's name. */
const PACKED = [
  { dir: join(ROOT, 'packages', 'core'), tarball: 'hotswap-core-0.1.0.tgz' },
  { dir: join(ROOT, 'packages', 'cli'), tarball: 'hotswap-cli-0.1.0.tgz' },
];
const PNPM = ['-y', 'pnpm@10.34.8'];
const INSTALL_TIMEOUT_MS = 180_000;
const COMMAND_TIMEOUT_MS = 60_000;
const PRINT_TIMEOUT_MS = 30_000;
const SHELLS = new Set(['sh', 'bash', 'shell']);

/** One thing the reader does, in page order. */
interface Step {
  /** 1-based step number, as failure messages give it. */
  n: number;
  line: number;
  what: string;
  action: Action | { kind: 'file'; version: FileVersion; change: boolean };
}

/** `step 4 (docs/getting-started.md:171, `npx hotswap build …`)`. */
function label(page: string, step: Step): string {
  return `step ${step.n} (${rel(page)}:${step.line}, ${step.what})`;
}

/** The page's steps, or the ways it breaks the contract. */
export function plan(page: string): { steps: Step[]; problems: string[]; before?: FileVersion; after?: FileVersion } {
  const project = readPage(page);
  const line = timeline(project);
  const problems = [...project.problems, ...line.problems];
  const versions = new Map<number, FileVersion>(line.versions.map((v) => [v.block.fence.line, v]));
  let scripts: Record<string, string> = {};
  const seen = new Set<string>();
  const steps: Step[] = [];
  const add = (at: number, what: string, action: Step['action']): void => {
    steps.push({ n: steps.length + 1, line: at, what, action });
  };
  for (const fence of fences(readFileSync(page, 'utf8'))) {
    const version = versions.get(fence.line);
    if (version !== undefined) {
      const change = seen.has(version.path);
      seen.add(version.path);
      add(fence.line, `${change ? 'change' : 'write'} ${version.path}`, { kind: 'file', version, change });
      if (version.path === 'package.json') {
        try {
          scripts = (JSON.parse(version.text) as { scripts?: Record<string, string> }).scripts ?? {};
        } catch (error) {
          problems.push(`${rel(page)}:${fence.line}: package.json is not valid JSON: ${String(error)}`);
        }
      }
    } else if (SHELLS.has(fence.lang)) {
      for (const command of shellCommands(fence.text)) {
        add(fence.contentLine + command.lineOffset, `\`${command.raw}\``, classify(command.words, scripts));
      }
    }
  }
  for (const step of steps) if (step.action.kind === 'error') problems.push(`${label(page, step)}: ${step.action.message}`);

  const starts = steps.filter((s) => s.action.kind === 'start');
  const plugin = steps.filter((s) => s.action.kind === 'file' && s.action.version.path === PLUGIN);
  const changes = steps.filter((s) => s.action.kind === 'file' && s.action.change);
  if (plugin.length === 0) problems.push(`the page has no \`// file: ${PLUGIN}\` ts block: the test cannot find the plugin.`);
  if (!steps.some((s) => s.action.kind === 'install')) {
    problems.push('the page never installs the packed packages: give `npm install ../hotswap/packs/hotswap-core-0.1.0.tgz` (and the CLI\'s tarball) in a ```sh block.');
  }
  if (starts.length !== 1) {
    problems.push(
      `the page must start the host with exactly one command (node --import tsx <file>, npx tsx <file>, npm start, …); it has ${starts.length}` +
        (starts.length > 0 ? `: ${starts.map((s) => label(page, s)).join('; ')}` : '.'),
    );
  }
  const startStep = starts[0];
  if (startStep !== undefined && startStep.action.kind === 'start') {
    const hostFile = startStep.action.file.replace(/^\.\//, '');
    if (!steps.some((s) => s.action.kind === 'file' && s.action.version.path === hostFile && s.n < startStep.n)) {
      problems.push(`${label(page, startStep)} starts ${hostFile}, but no \`// file: ${hostFile}\` block comes before it.`);
    }
    if (!steps.some((s) => s.action.kind === 'hotswap' && s.n < startStep.n)) {
      problems.push(`${label(page, startStep)}: no \`hotswap\` command (the build) comes before the host is started.`);
    }
  }
  const change = changes.find((s) => s.action.kind === 'file' && s.action.version.path === PLUGIN);
  let before: FileVersion | undefined;
  let after: FileVersion | undefined;
  if (change === undefined) {
    problems.push(`the page never changes ${PLUGIN}: give it again later on the page (a whole \`// file: ${PLUGIN}\` block or a \`diff file=${PLUGIN}\` block).`);
  } else if (change.action.kind === 'file') {
    after = change.action.version;
    const earlier = plugin.filter((s) => s.n < change.n).at(-1);
    before = earlier?.action.kind === 'file' ? earlier.action.version : undefined;
    if (startStep !== undefined && change.n < startStep.n) problems.push(`${label(page, change)} comes before the host is started (${label(page, startStep)}).`);
    if (!steps.some((s) => s.n > change.n && (s.action.kind === 'hotswap' || s.action.kind === 'signal'))) {
      problems.push(`${label(page, change)}: no command after the change (rebuild, reload) makes the host reload.`);
    }
    for (const other of changes) if (other !== change) problems.push(`${label(page, other)}: the page may change only ${PLUGIN}, once.`);
    if (before !== undefined) {
      const { removed, added } = literalChange(before.text, after.text);
      if (removed.length === 0 || added.length === 0) {
        problems.push(`${label(page, change)}: the change must replace a string literal of the plugin that the host prints (the greeting); it ${removed.length === 0 ? 'removes' : 'adds'} none.`);
      }
    }
  }
  return { steps, problems, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
}

/** The string literals (and template literal pieces) of a source. */
function literals(source: string): Set<string> {
  const file = ts.createSourceFile('plugin.ts', source, ts.ScriptTarget.ES2022, true);
  const found = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      if (node.text.trim().length >= 2) found.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The literals the change removes and the ones it adds. */
function literalChange(before: string, after: string): { removed: string[]; added: string[] } {
  const old = literals(before);
  const now = literals(after);
  return { removed: [...old].filter((l) => !now.has(l)), added: [...now].filter((l) => !old.has(l)) };
}

function anyOf(texts: readonly string[]): RegExp {
  return new RegExp(texts.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

/** Runs `file args` in `dir`; resolves with the exit code (0, a number, a signal's name) and the output. */
function run(file: string, args: readonly string[], dir: string, timeout = COMMAND_TIMEOUT_MS): Promise<{ code: number | string | null; output: string }> {
  return new Promise((done) => {
    execFile(file, args, { cwd: dir, env: childEnv(), timeout, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: string }) | null;
      done({ code: failure === null ? 0 : (failure.code ?? failure.signal ?? null), output: `${stdout}${stderr}` });
    });
  });
}

function tail(lines: readonly string[], from = 0): string {
  const shown = lines.slice(Math.max(from, lines.length - 40));
  return shown.length === 0 ? '    (nothing)' : shown.map((l) => `    ${l}`).join('\n');
}

/** The CLI the project installed, as `npx hotswap` runs it. */
function runCli(dir: string, args: readonly string[]): Promise<{ code: number | string | null; output: string }> {
  return run(process.execPath, [join(dir, 'node_modules', '@hotswap', 'cli', 'bin', 'hotswap.js'), ...args], dir);
}

/** `pnpm pack`s core and the CLI into `packs`, as the page tells a reader to in a clone of the repository. */
async function pack(packs: string): Promise<void> {
  mkdirSync(packs, { recursive: true });
  for (const { dir, tarball } of PACKED) {
    const result = await run('npx', [...PNPM, 'pack', '--pack-destination', packs], dir, INSTALL_TIMEOUT_MS);
    if (result.code !== 0 || !existsSync(join(packs, tarball))) throw new Error(`pnpm pack in ${rel(dir)} made no ${tarball} (exit ${result.code}):\n${tail(result.output.split('\n'))}`);
  }
}

/** How `follow` runs a page. */
export interface FollowOptions {
  /** How long the host has, once started, to print what the plugin says before the change. */
  startTimeoutMs?: number;
  /** How long the host has, after the reload step, to print what the plugin says after the change. */
  reloadTimeoutMs?: number;
  /**
   * `npm` (the default): pack and install the tarballs for real, as the page
   * says. `link`: link the workspace's packages instead, for tests of the
   * contract itself, which need not pay for an install.
   */
  installs?: 'npm' | 'link';
}

/**
 * Follows `page` as a reader would, by its contract, and resolves when the
 * host served the plugin and then the changed plugin; rejects with the step
 * that broke.
 */
export async function follow(page: string, { startTimeoutMs = PRINT_TIMEOUT_MS, reloadTimeoutMs = PRINT_TIMEOUT_MS, installs = 'npm' }: FollowOptions = {}): Promise<void> {
  assertBuilt();
  const { steps, problems, before, after } = plan(page);
  if (problems.length > 0) {
    throw new Error(`${rel(page)} does not follow its contract (docs/README.md, "Writing docs"):\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
  }
  const { removed, added } = literalChange(before!.text, after!.text);
  console.log(
    `${rel(page)}, step by step:\n${steps
      .map((s) => `  ${s.n}. line ${s.line}: ${s.what}${s.action.kind === 'skip' ? ' (not run: the test stands in for it)' : ''}`)
      .join('\n')}\nthe host must print one of ${JSON.stringify(removed)} before the change and one of ${JSON.stringify(added)} after it.`,
  );

  // Outside the workspace: <temp>/hotswap/packs holds the tarballs, <temp>/my-app is the reader's project beside it.
  const root = tempDir('getting-started');
  const dir = join(root, 'my-app');
  let host: Child | undefined;
  let changeMark = -1;
  try {
    if (installs === 'npm') await pack(join(root, 'hotswap', 'packs'));
    // What `npm init -y` would write; the page's own package.json replaces it when the page gives one.
    writeFile(dir, 'package.json', `${JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2)}\n`);
    for (const step of steps) {
      const { action } = step;
      if (action.kind === 'install' && installs === 'link') {
        linkNodeModules(dir);
      } else if (action.kind === 'install') {
        const result = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...action.args], dir, INSTALL_TIMEOUT_MS);
        if (result.code !== 0) throw new Error(`${label(page, step)} failed: npm install exited with ${result.code}:\n${tail(result.output.split('\n'))}`);
      } else if (action.kind === 'file') {
        writeFile(dir, action.version.path, action.version.text);
        if (action.change && action.version.path === PLUGIN) changeMark = host?.lines.length ?? 0;
      } else if (action.kind === 'hotswap') {
        const result = await runCli(dir, action.args);
        if (result.code !== 0) {
          throw new Error(`${label(page, step)} failed: \`hotswap ${action.args.join(' ')}\` exited with ${result.code}:\n${tail(result.output.split('\n'))}`);
        }
      } else if (action.kind === 'start') {
        host = start(process.execPath, action.nodeArgs, { cwd: dir, env: childEnv() });
        try {
          await host.waitFor(anyOf(removed), startTimeoutMs);
        } catch (error) {
          throw new Error(
            `${label(page, step)}: the host did not serve the plugin: it never printed ${removed.map((r) => JSON.stringify(r)).join(' or ')} ` +
              `(what ${PLUGIN} says before the change) within ${startTimeoutMs / 1000} s.\n${String((error as Error).message)}`,
          );
        }
      } else if (action.kind === 'signal') {
        if (host === undefined) throw new Error(`${label(page, step)}: signals the host before it is started.`);
        let pid = host.process.pid;
        if (action.pidFile !== undefined) {
          const file = join(dir, action.pidFile);
          if (!existsSync(file)) throw new Error(`${label(page, step)}: the host wrote no ${action.pidFile}.\nhost output:\n${tail(host.lines)}`);
          pid = Number(readFileSync(file, 'utf8').trim());
          if (pid !== host.process.pid) {
            throw new Error(`${label(page, step)}: ${action.pidFile} holds ${pid}, but the host the page started is ${host.process.pid}.`);
          }
        }
        process.kill(pid!, action.signal);
      }
    }
    if (host === undefined) throw new Error('the host was never started.');
    try {
      await host.waitFor(anyOf(added), reloadTimeoutMs, changeMark);
    } catch (error) {
      const reload = steps.filter((s) => s.line > after!.block.fence.line && s.action.kind !== 'skip' && s.action.kind !== 'file');
      throw new Error(
        `${label(page, reload.at(-1) ?? steps.at(-1)!)}: after the change at ${rel(page)}:${after!.block.fence.line} and the reload step ` +
          `(${reload.map((s) => `step ${s.n}`).join(', ')}), the host never printed ${added.map((a) => JSON.stringify(a)).join(' or ')} ` +
          `within ${reloadTimeoutMs / 1000} s.\n${String((error as Error).message)}`,
      );
    }
    if (host.process.exitCode !== null || host.process.signalCode !== null) {
      throw new Error(`the host exited (${host.process.exitCode ?? host.process.signalCode}) instead of running on.\n${tail(host.lines)}`);
    }
  } finally {
    if (host !== undefined) {
      host.kill('SIGINT');
      const timer = setTimeout(() => host?.kill('SIGKILL'), 10_000);
      await host.exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  }
}
