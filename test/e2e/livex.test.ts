// demo/livex end to end: a fire job queued by one build waits in the host's
// queue across a reload and is run by the next build's live type.
import { afterEach, expect, it } from 'vitest';
import { demo, stampOf, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
});

it('a job queued before reload.sh runs the new build, and roll calls are answered by live functions', async () => {
  d = demo('livex', { intervalMs: 300, env: { DEMO_FIRE_DELAY_MS: '4000' } });
  const host = d.run();
  const call = await host.waitFor(/<live_ResponseRollCall> build (\S+) answers the roll call queued by build (\S+): alice, bob, carol/, 60_000);
  expect(call[1]).toBe(call[2]);
  const fire = await host.waitFor(/<guardian\.Fire> build (\S+) queued a fire job due in 4000 ms/);
  const oldStamp = fire[1]!;

  const newStamp = stampOf(d.reload());
  await host.waitFor(/\[host\] reload #1 done/);
  await host.waitFor(new RegExp(`<guardian\\.onFree> build ${oldStamp}`));
  // The old version is gone, yet its job is still queued: it runs on the new build's Live_JobFire.
  await host.waitFor(new RegExp(`<Live_JobFire\\.run> build ${newStamp} fires at the target \\(queued by build ${oldStamp}\\)`), 15_000);
  expect(host.lines).not.toContainEqual(expect.stringMatching(new RegExp(`<Live_JobFire\\.run> build ${oldStamp}`)));
  host.kill('SIGTERM');
  expect(await host.exited).toBe(0);
}, 90_000);
