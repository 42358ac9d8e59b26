// A child process whose output can be awaited line by line.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  process: ChildProcess;
  /** Every line printed so far, stdout and stderr interleaved. */
  lines: string[];
  /** Resolves with the first line, past or future, that matches; rejects after `timeoutMs` or if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

export function start(command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const onLine = (line: string): void => {
    lines.push(line);
    for (const listener of listeners) listener(line);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let done = false;
  void exited.then(() => (done = true));
  return {
    process: child,
    lines,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (!done) child.kill(signal);
    },
    waitFor(pattern, timeoutMs = 30_000, from = 0) {
      for (const line of lines.slice(from)) {
        const match = line.match(pattern);
        if (match !== null) return Promise.resolve(match);
      }
      return new Promise((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        const listener = (line: string): void => {
          const match = line.match(pattern);
          if (match === null) return;
          finish();
          resolve(match);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms; output:\n${lines.join('\n')}`));
        }, timeoutMs);
        listeners.add(listener);
        void exited.then((code) => {
          if (!listeners.has(listener)) return;
          finish();
          reject(new Error(`the process exited (${code}) before a line matched ${String(pattern)}; output:\n${lines.join('\n')}`));
        });
      });
    },
  };
}
