// Case 7: releases. The same deploys (one plugin of N rebuilt each time) read
// by two swappers in one process, interleaved: one from a plain plugin
// directory, one from a release root. Also what making a release costs, and
// the disk the content-addressed store takes beside copying every release.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, createRelease } from '@hotswap/cli';
import { Swapper } from '@hotswap/core';
import { graphPlugin, pluginName, scratch } from '../lib/fixture.js';
import { config, now, runChild } from '../lib/proc.js';
import { summarize, type Summary } from '../lib/stats.js';

export interface ReleasesConfig {
  plugins: number;
  deploys: number;
}

export interface ReleasesResult {
  plugins: number;
  deploys: number;
  /** Reload of the plain plugin directory, ms. */
  plain: Summary;
  /** Reload of the release root (resolve, scan, check against release.json), ms. */
  release: Summary;
  /** createRelease with activate, ms. */
  create: Summary;
  /** Bytes of objects/ after every deploy. */
  storedBytes: number;
  /** Bytes the same releases would take as full copies. */
  copiedBytes: number;
}

runChild(async () => {
  const cfg = config<ReleasesConfig>();
  const dir = scratch();
  const root = join(dir.root, 'deploy');
  for (let i = 0; i < cfg.plugins; i++) dir.plugin(pluginName(i), { 'index.ts': graphPlugin(0, []) });
  await build({ pluginDir: dir.src, outputDir: dir.bin });
  await createRelease({ root, from: dir.bin, activate: true });
  const plain = new Swapper({ pluginDir: dir.bin, logger: false, freeDelay: 0 });
  const released = new Swapper({ pluginDir: root, logger: false, freeDelay: 0 });
  await plain.load(undefined);
  await released.load(undefined);
  const times = { plain: [] as number[], release: [] as number[], create: [] as number[] };
  let copiedBytes = bytes(dir.bin);
  for (let d = 1; d <= cfg.deploys; d++) {
    const name = pluginName(d % cfg.plugins);
    dir.plugin(name, { 'index.ts': graphPlugin(d, []) });
    await build({ pluginDir: dir.src, outputDir: dir.bin, include: new RegExp(`^${name}$`) });
    let started = now();
    const made = await createRelease({ root, from: dir.bin, activate: true });
    times.create.push(now() - started);
    copiedBytes += bytes(dir.bin);
    // Alternate which goes first, so neither always meets a cold cache.
    for (const which of d % 2 === 0 ? (['plain', 'release'] as const) : (['release', 'plain'] as const)) {
      const swapper = which === 'plain' ? plain : released;
      started = now();
      const details = await swapper.reload();
      times[which].push(now() - started);
      if (which === 'release' && details.release !== made.id) throw new Error(`read ${details.release ?? 'no release'}, not ${made.id}`);
      await swapper.settled();
    }
  }
  await plain.close();
  await released.close();
  const storedBytes = bytes(join(root, 'objects'));
  dir.cleanup();
  const result: ReleasesResult = {
    plugins: cfg.plugins,
    deploys: cfg.deploys,
    plain: summarize(times.plain),
    release: summarize(times.release),
    create: summarize(times.create),
    storedBytes,
    copiedBytes,
  };
  return result;
});

function bytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}
