// A scripted tour of the hello demo: start the host with ./run.sh, watch
// plugin `world` hum, change its message, rebuild and reload it with
// ./reload.sh, watch the new version hum and the old one get OnFree, stop.
// It works on a copy of the plugin in .tour/, so the sources stay unchanged.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const work = join(here, '.tour');
const env = {
  ...process.env,
  DEMO_PLUGINS: join(work, 'plugins'),
  DEMO_BIN: join(work, 'bin'),
  DEMO_PID_FILE: join(work, 'host.pid'),
  DEMO_INTERVAL_MS: '1000',
  DEMO_FREE_DELAY_MS: '500',
};
const STEP_TIMEOUT_MS = 60_000;

const step = (text: string): void => {
  process.stdout.write(`\n▶ ${text}\n`);
};

rmSync(work, { recursive: true, force: true });
cpSync(join(here, 'plugins'), env.DEMO_PLUGINS, { recursive: true });

step('./run.sh: build the framework and plugin `world`, start the host');
const host = spawn(join(here, 'run.sh'), { cwd: here, env, stdio: ['ignore', 'pipe', 'pipe'] });
const lines: string[] = [];
let waiter: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void } | undefined;
const onLine = (line: string): void => {
  process.stdout.write(`  host │ ${line}\n`);
  lines.push(line);
  const match = waiter === undefined ? null : line.match(waiter.pattern);
  if (match !== null && waiter !== undefined) {
    const { resolve } = waiter;
    waiter = undefined;
    resolve(match);
  }
};
createInterface({ input: host.stdout }).on('line', onLine);
createInterface({ input: host.stderr }).on('line', onLine);
let exited: number | null | undefined;
const exit = new Promise<number | null>((resolve) =>
  host.on('exit', (code) => {
    exited = code;
    resolve(code);
  }),
);

const fail = (why: string): never => {
  process.stderr.write(`\n✘ tour failed: ${why}\n`);
  host.kill('SIGKILL');
  process.exit(1);
};

function waitFor(pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  for (const line of lines) {
    const match = line.match(pattern);
    if (match !== null) return Promise.resolve(match);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`no ${what} within ${STEP_TIMEOUT_MS / 1000} s`), STEP_TIMEOUT_MS);
    waiter = {
      pattern,
      resolve: (m) => {
        clearTimeout(timer);
        resolve(m);
      },
    };
    void exit.then((code) => {
      if (waiter !== undefined) fail(`the host exited (code ${String(code)}) before ${what}`);
    });
  });
}

const loaded = await waitFor(/<world\.onLoad> version \S+, build (\S+),/, 'first load');
const oldStamp = loaded[1] ?? fail('no build stamp');
await waitFor(/<world\.hum> Hello, world /, 'heartbeat from version 1');

step("edit .tour/plugins/world/index.ts: 'Hello, world' → 'Hello again, world'");
const source = join(env.DEMO_PLUGINS, 'world', 'index.ts');
const before = readFileSync(source, 'utf8');
const after = before.replace("const message = 'Hello, world';", "const message = 'Hello again, world';");
if (after === before) fail(`could not find the message in ${source}`);
writeFileSync(source, after);

step('./reload.sh: rebuild `world` with a new build stamp and send SIGUSR2 to the host');
const reload = spawnSync(join(here, 'reload.sh'), { cwd: here, env, encoding: 'utf8' });
for (const line of `${reload.stdout}${reload.stderr}`.trim().split('\n')) process.stdout.write(`  reload │ ${line}\n`);
if (reload.status !== 0) fail(`reload.sh exited with ${String(reload.status)}`);

const hum = await waitFor(/<world\.hum> Hello again, world \(\d+\/\d+, build (\S+),/, 'heartbeat from version 2');
const newStamp = hum[1] ?? fail('no build stamp');
if (newStamp === oldStamp) fail('the new heartbeat shows the old build stamp');
await waitFor(new RegExp(`world \\S+ \\(build ${oldStamp}\\) got OnFree`), 'OnFree of version 1');

step('SIGTERM: the host frees the serving version and exits');
host.kill('SIGTERM');
const code = exited !== undefined ? exited : await exit;
if (code !== 0) fail(`the host exited with ${String(code)}`);

step(`done: build ${oldStamp} served, was reloaded without a restart and got OnFree; build ${newStamp} served "Hello again, world".`);
rmSync(work, { recursive: true, force: true });
