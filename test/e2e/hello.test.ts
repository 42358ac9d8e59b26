// demo/hello end to end: run.sh starts the host, reload.sh rebuilds and
// signals it, the new version hums and the old one gets OnFree.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { start, type Child } from '../helpers/child.js';

const demo = fileURLToPath(new URL('../../demo/hello/', import.meta.url));
const children: Child[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('demo/hello', () => {
  it('run.sh serves world, reload.sh swaps in a new build, the old build gets OnFree, SIGTERM exits 0', async () => {
    const work = mkdtempSync(join(tmpdir(), 'hotswap-hello-'));
    dirs.push(work);
    const env = {
      ...process.env,
      HELLO_BIN: join(work, 'bin'),
      HELLO_PID_FILE: join(work, 'host.pid'),
      HELLO_INTERVAL_MS: '300',
      HELLO_FREE_DELAY_MS: '100',
    };
    const host = start(join(demo, 'run.sh'), [], { cwd: demo, env });
    children.push(host);
    const first = await host.waitFor(/<world\.hum> Hello, world \(\d\/\d, build (\S+), hum #(\d+)\)/, 60_000);
    const oldStamp = first[1]!;

    const reload = execFileSync(join(demo, 'reload.sh'), { cwd: demo, env, encoding: 'utf8' });
    const newStamp = /stamp (\S+)/.exec(reload)?.[1];
    expect(newStamp).toBeDefined();
    expect(newStamp).not.toBe(oldStamp);
    expect(reload).toMatch(/sent SIGUSR1 to host \d+/);

    await host.waitFor(/\[host\] reload #1 done: world loaded/);
    await host.waitFor(new RegExp(`<world\\.hum> Hello, world \\(\\d/\\d, build ${newStamp}, hum #\\d+\\)`));
    await host.waitFor(new RegExp(`\\[host\\] world 1\\.0\\.0 \\(build ${oldStamp}\\) got OnFree`));
    // The hum counter lives in the shared module, so it carries on across the reload.
    const hums = host.lines.map((l) => /hum #(\d+)\)/.exec(l)?.[1]).filter((n) => n !== undefined).map(Number);
    expect(hums).toEqual(hums.map((_, i) => i + 1));

    host.kill('SIGTERM');
    expect(await host.exited).toBe(0);
    expect(host.lines).toContainEqual(expect.stringMatching(new RegExp(`<world\\.onFree> build ${newStamp} freed`)));
  }, 90_000);

  it('reload.sh without a running host says so and exits 1', () => {
    const work = mkdtempSync(join(tmpdir(), 'hotswap-hello-'));
    dirs.push(work);
    let status = 0;
    let stderr = '';
    try {
      execFileSync(join(demo, 'reload.sh'), {
        cwd: demo,
        env: { ...process.env, HELLO_BIN: join(work, 'bin'), HELLO_PID_FILE: join(work, 'none.pid') },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      status = (error as { status: number }).status;
      stderr = (error as { stderr: string }).stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toContain('no running host');
  });

  it('the scripted tour (the README demo command) exits 0 after a reload and an OnFree', async () => {
    const tour = start(process.execPath, ['--import', 'tsx', 'tour.ts'], { cwd: demo });
    children.push(tour);
    expect(await tour.exited).toBe(0);
    expect(tour.lines.join('\n')).toMatch(/got OnFree; build \S+ served "Hello again, world"/);
  }, 90_000);
});
