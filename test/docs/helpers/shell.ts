// Reads the commands of a ```sh block the way a POSIX shell splits them, and
// recognises the few a docs test acts on.

/** One simple command of a shell block. */
export interface ShellCommand {
  /** 0-based line within the block where the command starts. */
  lineOffset: number;
  /** The command as written (continuations joined), for messages. */
  raw: string;
  /** Its words after quote removal; `$(…)` and `` `…` `` are kept as written. */
  words: string[];
}

/**
 * Splits a block into simple commands: on new lines (except after a
 * trailing backslash), `&&`, `||`, `;`, `|` and `&`; drops comments.
 */
export function shellCommands(text: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let raw = '';
  let line = 0;
  let startLine = 0;
  const endWord = (): void => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push({ lineOffset: startLine, raw: raw.trim(), words });
    words = [];
    raw = '';
    startLine = line;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (words.length === 0 && word === undefined && raw.trim() === '') startLine = line;
    if (c === '\\' && text[i + 1] === '\n') {
      i++;
      line++;
      raw += ' ';
      endWord();
      continue;
    }
    if (c === '\n') {
      endCommand();
      line++;
      startLine = line;
      continue;
    }
    if (c === '#' && word === undefined) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t') {
      raw += c;
      endWord();
      continue;
    }
    if (c === ';' || c === '&' || c === '|') {
      if (text[i + 1] === c) i++;
      endCommand();
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      word = (word ?? '') + text.slice(i + 1, stop);
      raw += text.slice(i, stop + 1);
      i = stop;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let value = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1]!)) j++;
        value += text[j];
      }
      word = (word ?? '') + value;
      raw += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + text.slice(i, j + 1);
      raw += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[i + 1]!;
      raw += text.slice(i, i + 2);
      i++;
      continue;
    }
    word = (word ?? '') + c;
    raw += c;
  }
  endCommand();
  return commands;
}

/** What a command of the getting-started page means to its test. */
export type Action =
  /** `hotswap …`, `npx hotswap …`: run the CLI with these arguments. */
  | { kind: 'hotswap'; args: string[] }
  /** `node --import tsx <file>`, `npx tsx <file>`, `tsx <file>`: start the host. */
  | { kind: 'start'; file: string; nodeArgs: string[] }
  /** `kill -USR1 $(cat host.pid)`: signal the host (`pidFile` when the pid comes from a file). */
  | { kind: 'signal'; signal: NodeJS.Signals; pidFile?: string }
  /** `npm install <…>.tgz …`: install packed packages (and whatever else the line names) into the project, for real. */
  | { kind: 'install'; args: string[] }
  /** Anything else: the test stands in for it (mkdir, cd, npm install without a tarball, …) or it is not part of the contract. */
  | { kind: 'skip' }
  /** A command the test recognises but cannot follow. */
  | { kind: 'error'; message: string };

/**
 * Classifies a command. `scripts` are the project's package.json scripts:
 * `npm start` and `npm run <name>` are followed into them.
 */
export function classify(words: readonly string[], scripts: Readonly<Record<string, string>> = {}, depth = 0): Action {
  const [first, ...rest] = words;
  if (first === undefined) return { kind: 'skip' };
  if (first === 'npx' || first === 'pnpm' && rest[0] === 'exec') {
    const args = first === 'pnpm' ? rest.slice(1) : rest;
    while (args[0] !== undefined && /^(-y|--yes|--no-install|--no)$/.test(args[0])) args.shift();
    if (args[0] === 'hotswap' || args[0] === '@hotswap/cli') return { kind: 'hotswap', args: args.slice(1) };
    if (args[0] === 'tsx') return tsxStart(args.slice(1));
    return { kind: 'skip' };
  }
  if (first === 'hotswap') return { kind: 'hotswap', args: rest };
  if (first === 'tsx') return tsxStart(rest);
  if (first === 'node') {
    const nodeArgs: string[] = [];
    let tsx = false;
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if ((arg === '--import' || arg === '--loader') && rest[i + 1] === 'tsx') {
        tsx = true;
        nodeArgs.push(arg, 'tsx');
        i++;
      } else if (arg === '--import=tsx' || arg === '--loader=tsx') {
        tsx = true;
        nodeArgs.push(arg);
      } else if (arg.startsWith('-')) {
        nodeArgs.push(arg);
      } else {
        if (!tsx) return { kind: 'skip' };
        return { kind: 'start', file: arg, nodeArgs: [...nodeArgs, ...rest.slice(i)] };
      }
    }
    return { kind: 'skip' };
  }
  if (first === 'npm' && (rest[0] === 'start' || rest[0] === 'run' || rest[0] === 'run-script')) {
    const name = rest[0] === 'start' ? 'start' : rest[1];
    if (name === undefined) return { kind: 'skip' };
    const script = scripts[name];
    if (script === undefined) return { kind: 'error', message: `package.json (the page's json file=package.json block) has no script "${name}"` };
    if (depth > 3) return { kind: 'error', message: `the script "${name}" runs scripts too deep` };
    const inner = shellCommands(script);
    if (inner.length !== 1) return { kind: 'error', message: `the script "${name}" is "${script}": the test follows scripts of one command only` };
    const extra = rest.indexOf('--') >= 0 ? rest.slice(rest.indexOf('--') + 1) : [];
    return classify([...inner[0]!.words, ...extra], scripts, depth + 1);
  }
  if (first === 'npm' && (rest[0] === 'install' || rest[0] === 'i' || rest[0] === 'add') && rest.some((a) => a.endsWith('.tgz'))) {
    return { kind: 'install', args: rest.slice(1) };
  }
  if (first === 'kill') {
    let signal: string | undefined;
    const targets: string[] = [];
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      if (arg === '-s') signal = rest[++i];
      else if (arg.startsWith('-') && signal === undefined) signal = arg.slice(1);
      else targets.push(arg);
    }
    const name = (signal ?? 'TERM').toUpperCase();
    const full = (name.startsWith('SIG') ? name : `SIG${name}`) as NodeJS.Signals;
    const file = /^(?:\$\(\s*cat\s+(\S+?)\s*\)|`\s*cat\s+(\S+?)\s*`)$/.exec(targets[0] ?? '');
    return file === null ? { kind: 'signal', signal: full } : { kind: 'signal', signal: full, pidFile: file[1] ?? file[2]! };
  }
  return { kind: 'skip' };
}

function tsxStart(args: readonly string[]): Action {
  const file = args.find((a) => !a.startsWith('-'));
  if (file === undefined) return { kind: 'skip' };
  const at = args.indexOf(file);
  // tsx's own CLI runs the program in a child process; the test starts it as `node --import tsx` so that signals reach it.
  return { kind: 'start', file, nodeArgs: ['--import', 'tsx', ...args.slice(0, at).filter((a) => a.startsWith('--') && a !== '--watch'), ...args.slice(at)] };
}
