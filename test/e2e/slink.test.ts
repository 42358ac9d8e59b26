// demo/slink end to end, both ways: from its artifact (the signal file
// reloads it) and statically linked (the signal file's reload is refused).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { start } from '../helpers/child.js';
import { demo, stampOf, type Demo } from '../helpers/demo.js';

let d: Demo | undefined;
afterEach(async () => {
  await d?.cleanup();
});

it('from its artifact: barks through the extension, and reload.sh (a signal file) swaps in the new build', async () => {
  d = demo('slink');
  d.env['DEMO_SIGNAL_FILE'] = join(d.env['DEMO_BIN']!, '..', 'reload.signal');
  const host = d.run();
  await host.waitFor(/\[host\] static linking mode: false/, 60_000);
  const first = await host.waitFor(/<dog\.bark> (?:woof ?)+ \(build (\S+)\) ~wag~/);
  const newStamp = stampOf(d.reload());
  await host.waitFor(/\[host\] reload #1 done/);
  await host.waitFor(new RegExp(`<dog\\.bark> (?:woof ?)+ \\(build ${newStamp}\\)`));
  await host.waitFor(new RegExp(`<dog\\.onFree> build ${first[1]}`));
  host.kill('SIGTERM');
  expect(await host.exited).toBe(0);
}, 90_000);

it('statically linked: runs the same lifecycle and vault, and refuses to reload with its code', async () => {
  d = demo('slink');
  d.env['DEMO_SIGNAL_FILE'] = join(d.env['DEMO_BIN']!, '..', 'reload.signal');
  const host = start(join(d.dir, 'run.sh'), ['--static'], { cwd: d.dir, env: d.env });
  try {
    await host.waitFor(/\[host\] static linking mode: true/, 60_000);
    await host.waitFor(/<dog\.onLoad> 1\.0\.0, build static/);
    await host.waitFor(/<dog\.bark> (?:woof ?)+ \(build static\) ~wag~/);
    d.reload();
    await host.waitFor(/\[host\] reload failed \(HOTSWAP_STATIC_RELOAD\)/);
    await host.waitFor(/<dog\.bark> (?:woof ?)+ \(build static\)/, 10_000, host.lines.length);
    host.kill('SIGTERM');
    expect(await host.exited).toBe(0);
  } finally {
    host.kill('SIGKILL');
  }
}, 90_000);

it('the committed static table is what hotswap build --static-linking writes', () => {
  d = demo('slink');
  const table = join(d.dir, 'static', 'hotswap.static-plugins.ts');
  const committed = readFileSync(table, 'utf8');
  execFileSync(process.execPath, [join(d.dir, '../../packages/cli/bin/hotswap.js'), 'build', 'plugins', 'static', '--static-linking'], { cwd: d.dir });
  expect(readFileSync(table, 'utf8')).toBe(committed);
});
