// demo/trine end to end: reloading alpha alone re-links beta and gamma, and
// the next pulse reaches the new alpha through them.
import { afterEach, expect, it } from 'vitest';
import { demo, stampOf, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
});

it('reload.sh alpha re-links beta and gamma; the next pulse shows the new alpha; the old versions get OnFree', async () => {
  d = demo('trine');
  const host = d.run();
  const first = await host.waitFor(/pulse answered: gamma (\S+) \/ beta (\S+) \/ alpha (\S+)$/, 60_000);
  const oldStamp = first[3]!;
  expect(first[1]).toBe(oldStamp);

  const out = d.reload('alpha');
  expect(out).toMatch(/✔ alpha 1\.0\.0/);
  expect(out).not.toMatch(/✔ (beta|gamma)/);
  const newStamp = stampOf(out);

  await host.waitFor(/\[host\] reload #1 done: alpha 1\.0\.0 loaded, beta 1\.0\.0 re-linked, gamma 1\.0\.0 re-linked$/);
  const after = await host.waitFor(new RegExp(`pulse answered: gamma ${oldStamp} / beta ${oldStamp} / alpha ${newStamp}$`));
  expect(after).not.toBeNull();
  for (const plugin of ['gamma', 'beta', 'alpha']) await host.waitFor(new RegExp(`<${plugin}\\.onFree> build ${oldStamp}`));
  // OnFree in reverse dependency order.
  const frees = host.lines.filter((l) => l.includes('.onFree>')).map((l) => /<(\w+)\.onFree>/.exec(l)![1]);
  expect(frees).toEqual(['gamma', 'beta', 'alpha']);
  host.kill('SIGTERM');
  expect(await host.exited).toBe(0);
}, 90_000);
