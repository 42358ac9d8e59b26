// demo/cluster end to end: run.sh starts a primary and four workers serving
// HTTP; reload.sh builds a new release, activates it and signals the
// primary; all four workers swap in one cluster reload, their greeting
// counters carry on, and SIGTERM stops everything with exit code 0.
import { afterEach, describe, expect, it } from 'vitest';
import { demo, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
  d = undefined;
});

const beat = (worker: number, build: string, release: string): RegExp =>
  new RegExp(`\\[w${worker}\\] Hello from worker ${worker}, build ${build}, greeting #(\\d+) \\(release ${release}\\)`);
/** The release id and build stamp that release.sh printed. */
const releaseOf = (output: string): { id: string; stamp: string } => {
  const match = /release (\S+) activated \(build stamp (\S+)\)/.exec(output);
  if (match === null) throw new Error(`no release in:\n${output}`);
  return { id: match[1]!, stamp: match[2]! };
};

describe('demo/cluster', () => {
  it('run.sh serves from four workers; reload.sh swaps a new release into all of them at once, counters kept', async () => {
    d = demo('cluster', { env: { DEMO_PORT: '0' } });
    const host = d.run();
    const ports = new Set<string>();
    for (const w of [1, 2, 3, 4]) ports.add((await host.waitFor(new RegExp(`\\[w${w}\\] listening on http://127\\.0\\.0\\.1:(\\d+)/`), 90_000))[1]!);
    expect(ports.size).toBe(1);
    const first = releaseOf(host.lines.join('\n'));
    const answer = await (await fetch(`http://127.0.0.1:${[...ports][0]}/`)).text();
    expect(answer).toMatch(new RegExp(`^Hello from worker \\d, build ${first.stamp}, greeting #\\d+ \\(release ${first.id}\\)\\n$`));
    const before = await Promise.all([1, 2, 3, 4].map(async (w) => Number((await host.waitFor(beat(w, first.stamp, first.id)))[1])));

    const reload = d.reload();
    const next = releaseOf(reload);
    expect(next.id).not.toBe(first.id);
    expect(next.stamp).not.toBe(first.stamp);
    expect(reload).toMatch(/sent SIGUSR2 to host \d+/);
    await host.waitFor(new RegExp(`\\[hotswap\\] cluster reload 1: release ${next.id} serving in 4 of 4 worker\\(s\\), skew [\\d.]+ ms`), 60_000);
    await host.waitFor(/\[host\] reload #1 done: greeter 1\.0\.0 loaded/);
    for (const [i, w] of [1, 2, 3, 4].entries()) {
      // The greeting counter lives in the plugin and is handed over: it carries on, it does not start again.
      const count = Number((await host.waitFor(beat(w, next.stamp, next.id)))[1]);
      expect(count).toBeGreaterThan(before[i]!);
    }

    host.kill('SIGTERM');
    expect(await host.exited).toBe(0);
  }, 150_000);
});
