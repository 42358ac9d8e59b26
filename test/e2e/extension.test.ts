// demo/extension end to end: plugin cat fills the extension's meow in
// OnInit; after a reload the host calls the new version's meow.
import { afterEach, expect, it } from 'vitest';
import { demo, stampOf, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
});

it('the host meows through the extension, and through the new cat after reload.sh', async () => {
  d = demo('extension');
  const host = d.run();
  const first = await host.waitFor(/<cat\.meow> meow \d\/\d, build (\S+)$/, 60_000);
  const newStamp = stampOf(d.reload());
  expect(newStamp).not.toBe(first[1]);
  await host.waitFor(/\[host\] reload #1 done/);
  await host.waitFor(new RegExp(`<cat\\.onInit> filled the extension's meow, build ${newStamp}`));
  await host.waitFor(new RegExp(`<cat\\.meow> meow \\d/\\d, build ${newStamp}$`));
  await host.waitFor(new RegExp(`<cat\\.onFree> build ${first[1]}`));
  expect(host.lines).not.toContainEqual(expect.stringContaining('no plugin filled meow'));
  host.kill('SIGTERM');
  expect(await host.exited).toBe(0);
}, 90_000);
