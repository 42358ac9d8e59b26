// demo/handoff end to end: the session store's contents survive reload.sh,
// converted up to 2.0.0's shape and back down to 1.0.0's.
import { afterEach, expect, it } from 'vitest';
import type { Child } from '../helpers/child.js';
import { demo, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
});

const LINE = /visits made (\d+), store (\S+) counts (\d+): shape (\S+)/;

async function next(host: Child, version: string): Promise<RegExpMatchArray> {
  return host.waitFor(new RegExp(`visits made (\\d+), store ${version.replace(/\./g, '\\.')} counts (\\d+): shape (\\S+)`), 30_000, host.lines.length);
}

it('the store keeps every visit across reload.sh 2.0.0 and reload.sh 1.0.0', async () => {
  d = demo('handoff', { intervalMs: 150 });
  const host = d.run();
  await host.waitFor(/visits made 3, store 1\.0\.0 counts 3: shape 1\.x/, 60_000);

  expect(d.reload('2.0.0')).toMatch(/✔ sessions 2\.0\.0/);
  await host.waitFor(/\[host\] reload #1 done: sessions 2\.0\.0 loaded/);
  const up = await next(host, '2.0.0');
  expect(up[3]).toBe('2.x');

  expect(d.reload('1.0.0')).toMatch(/✔ sessions 1\.0\.0/);
  await host.waitFor(/\[host\] reload #2 done: sessions 1\.0\.0 loaded/);
  const down = await next(host, '1.0.0');
  expect(down[3]).toBe('1.x');
  // Every heartbeat's count equals the visits made so far: nothing was lost in either conversion.
  for (const line of host.lines) {
    const m = LINE.exec(line);
    if (m !== null) expect(m[3]).toBe(m[1]);
  }
  expect(host.lines.join('\n')).toMatch(/ann=Ann\|Lee:\d+/);
  host.kill('SIGTERM');
  expect(await host.exited).toBe(0);
}, 90_000);

it('reload.sh with an unknown version says which exist and exits 2', () => {
  d = demo('handoff');
  let failure: { status: number; stderr: string } | undefined;
  try {
    d.reload('9.9.9');
  } catch (error) {
    failure = error as { status: number; stderr: string };
  }
  expect(failure?.status).toBe(2);
  expect(failure?.stderr).toContain('there are: 1.0.0 2.0.0');
});
