// Case 7: releases. A reload from a release root beside one from a plain
// plugin directory, the same deploys, one process; the cost of making a
// release; the store's disk beside a full copy per release.
import type { ReleasesConfig, ReleasesResult } from '../procs/releases.js';
import { count, fmt, type CaseContext, type CaseResult } from '../lib/report.js';
import { runProc } from '../lib/spawn.js';

export async function releases(ctx: CaseContext): Promise<CaseResult> {
  const cfg: ReleasesConfig = ctx.quick ? { plugins: 20, deploys: 10 } : { plugins: 100, deploys: 40 };
  const r = await runProc<ReleasesResult>('releases', cfg, { timeoutMs: 10 * 60_000 });
  ctx.log(`  releases: reload p50 ${fmt(r.plain.p50, 1)} ms plain, ${fmt(r.release.p50, 1)} ms from a release root`);
  const ratio = r.release.p50 / r.plain.p50;
  return {
    name: 'releases',
    title: '7. Releases',
    data: { config: cfg, result: r },
    targets: [],
    tables: [
      {
        title: `7. Releases: ${count(r.deploys)} deploys of one rebuilt plugin among ${count(r.plugins)}, read by two swappers in one process, interleaved`,
        columns: ['', 'p50 ms', 'p99 ms', 'mean ms', '× plain (p50)'],
        rows: [
          ['reload, plain plugin directory', fmt(r.plain.p50, 1), fmt(r.plain.p99, 1), fmt(r.plain.mean, 1), '1.00×'],
          ['reload, release root', fmt(r.release.p50, 1), fmt(r.release.p99, 1), fmt(r.release.mean, 1), `${fmt(ratio, 2)}×`],
          ['hotswap release create --activate', fmt(r.create.p50, 1), fmt(r.create.p99, 1), fmt(r.create.mean, 1), `${fmt(r.create.p50 / r.plain.p50, 2)}×`],
        ],
        notes: [
          'release root: resolve current once, scan the release directory, check every artifact against release.json; an artifact shared with a release read before (the same inode, a hard link) is not read again.',
          `disk after ${count(r.deploys + 1)} releases: ${fmt(r.storedBytes / 1024, 0)} KiB in objects/ (shared), ${fmt(r.copiedBytes / 1024, 0)} KiB as full copies (${fmt(r.copiedBytes / r.storedBytes, 1)}×).`,
        ],
      },
    ],
  };
}
