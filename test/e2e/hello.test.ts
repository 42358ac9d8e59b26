// demo/hello end to end: run.sh starts the host, reload.sh rebuilds and
// signals it, the new version hums and the old one gets OnFree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { start } from '../helpers/child.js';
import { demo, stampOf, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

describe('demo/hello', () => {
  it('run.sh serves world, reload.sh swaps in a new build, the old build gets OnFree, SIGTERM exits 0', async () => {
    d = demo('hello');
    const host = d.run();
    const first = await host.waitFor(/<world\.hum> Hello, world \(\d\/\d, build (\S+), hum #(\d+)\)/, 60_000);
    const oldStamp = first[1]!;

    const reload = d.reload();
    const newStamp = stampOf(reload);
    expect(newStamp).not.toBe(oldStamp);
    expect(reload).toMatch(/sent SIGUSR2 to host \d+/);

    await host.waitFor(/\[host\] reload #1 done: world 1\.0\.0 loaded/);
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
    d = demo('hello');
    d.env['DEMO_PID_FILE'] = join(mkdtempSync(join(tmpdir(), 'hotswap-nohost-')), 'none.pid');
    let failure: { status: number; stderr: string } | undefined;
    try {
      d.reload();
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    rmSync(join(d.env['DEMO_PID_FILE'], '..'), { recursive: true, force: true });
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toContain('no running host');
  });

  it('the scripted tour (the README demo command) exits 0 after a reload and an OnFree', async () => {
    d = demo('hello');
    const tour = start(process.execPath, ['--import', 'tsx', 'tour.ts'], { cwd: d.dir });
    expect(await tour.exited).toBe(0);
    expect(tour.lines.join('\n')).toMatch(/got OnFree; build \S+ served "Hello again, world"/);
  }, 90_000);
});
