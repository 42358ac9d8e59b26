// The plan phase on its own: which plugins carry over, are evaluated, re-linked or retired, before any plugin code runs.
import { ErrorCodes } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { planReload, type PlanVersion } from '../src/reload/plan.js';
import { sourceOf, type TestSource } from './helpers/versions.js';

interface Serving extends PlanVersion {
  readonly importSpec: Record<string, string>;
}

function serving(name: string, options: { imports?: string[]; reloadable?: boolean; builtAt?: string; version?: string } = {}): Serving {
  const version = options.version ?? '1.0.0';
  return {
    name,
    version,
    digest: `digest-${name}-${version}`,
    reloadable: options.reloadable ?? true,
    importSpec: Object.fromEntries((options.imports ?? []).map((n) => [n, '*'])),
    manifest: { builtAt: options.builtAt ?? '2024-01-01T00:00:00.000Z' },
  };
}

/** The source that leaves a serving version as it is. */
const same = (v: Serving): TestSource => sourceOf(v.name, { version: v.version, digest: v.digest, builtAt: v.manifest.builtAt });
/** A new build of a serving plugin. */
const changed = (v: Serving, builtAt = '2024-06-01T00:00:00.000Z'): TestSource =>
  sourceOf(v.name, { version: '1.1.0', digest: `${v.digest}-changed`, builtAt });

const noReplay = { refuseOlder: false };

function summary(plan: ReturnType<typeof planReload<Serving, TestSource>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of plan.carried) out[c.version.name] = c.status;
  for (const f of plan.fresh) out[f.source.manifest.name] = f.status;
  for (const r of plan.removed) out[r.name] = 'removed';
  return out;
}

describe('planReload', () => {
  it('carries over unchanged and not-reloadable plugins and evaluates new and changed ones as loaded', () => {
    const kept = serving('kept');
    const fixed = serving('fixed', { reloadable: false });
    const edited = serving('edited');
    const plan = planReload([kept, fixed, edited], [same(kept), changed(fixed), changed(edited), sourceOf('newcomer')], noReplay);
    expect(summary(plan)).toEqual({ kept: 'unchanged', fixed: 'not-reloadable', edited: 'loaded', newcomer: 'loaded' });
    expect(plan.carried.map((c) => c.version)).toEqual([kept, fixed]);
    expect(plan.fresh.map((f) => [f.source.manifest.name, f.replaces])).toEqual([
      ['edited', edited],
      ['newcomer', undefined],
    ]);
    expect(plan.retired).toEqual([edited]);
    expect(plan.removed).toEqual([]);
  });

  it('re-links every reloadable importer of a changed root along a chain', () => {
    const root = serving('root');
    const mid = serving('mid', { imports: ['root'] });
    const top = serving('top', { imports: ['mid'] });
    const aside = serving('aside');
    const plan = planReload([aside, root, mid, top], [same(aside), changed(root), same(mid), same(top)], noReplay);
    expect(summary(plan)).toEqual({ aside: 'unchanged', root: 'loaded', mid: 're-linked', top: 're-linked' });
    expect(plan.fresh.find((f) => f.source.manifest.name === 'top')?.replaces).toBe(top);
    // The re-linked plugins are evaluated afresh from their unchanged artifacts.
    expect(plan.fresh.find((f) => f.source.manifest.name === 'mid')?.source.digest).toBe(mid.digest);
    expect(plan.retired).toEqual([root, mid, top]);
  });

  it('re-links each importer of a diamond once', () => {
    const d = serving('d');
    const b = serving('b', { imports: ['d'] });
    const c = serving('c', { imports: ['d'] });
    const a = serving('a', { imports: ['b', 'c'] });
    const plan = planReload([d, b, c, a], [same(a), same(b), same(c), changed(d)], noReplay);
    expect(plan.fresh.map((f) => `${f.source.manifest.name}:${f.status}`)).toEqual(['a:re-linked', 'b:re-linked', 'c:re-linked', 'd:loaded']);
    expect(plan.carried).toEqual([]);
  });

  it('does not re-link a not-reloadable importer, nor what imports it', () => {
    const root = serving('root');
    const pinned = serving('pinned', { imports: ['root'], reloadable: false });
    const above = serving('above', { imports: ['pinned'] });
    const plan = planReload([root, pinned, above], [changed(root), same(pinned), same(above)], noReplay);
    expect(summary(plan)).toEqual({ root: 'loaded', pinned: 'unchanged', above: 'unchanged' });
  });

  it('lists removed plugins and retires them with the replaced ones in serving order', () => {
    // Serving order is dependency order, not name order.
    const z = serving('z');
    const m = serving('m', { imports: ['z'] });
    const a = serving('a');
    const gone = serving('gone', { imports: ['z'] });
    const plan = planReload([z, gone, m, a], [changed(z), same(m), same(a)], noReplay);
    expect(plan.removed).toEqual([gone]);
    // A removed importer of a changed plugin is not re-linked: it retires.
    expect(summary(plan)).toEqual({ z: 'loaded', m: 're-linked', a: 'unchanged', gone: 'removed' });
    expect(plan.retired).toEqual([z, gone, m]);
  });

  it('refuses an older build as a replay with refuseOlder, and takes it without', () => {
    const p = serving('p', { builtAt: '2024-06-01T00:00:00.000Z' });
    const older = changed(p, '2024-01-01T00:00:00.000Z');
    let caught: unknown;
    try {
      planReload([p], [older], { refuseOlder: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: ErrorCodes.ARTIFACT_REPLAYED, plugin: 'p', stage: 'verify' });
    expect((caught as Error).message).toContain('older than the serving 1.0.0');
    expect(summary(planReload([p], [older], noReplay))).toEqual({ p: 'loaded' });
    // A newer build, or the very same artifact, is no replay.
    expect(summary(planReload([p], [changed(p, '2024-07-01T00:00:00.000Z')], { refuseOlder: true }))).toEqual({ p: 'loaded' });
    expect(summary(planReload([p], [same(p)], { refuseOlder: true }))).toEqual({ p: 'unchanged' });
  });

  it('compares names without case: sources, imports and serving versions', () => {
    const root = serving('Root');
    const user = serving('user', { imports: ['ROOT'] });
    const plan = planReload(
      [root, user],
      [sourceOf('root', { version: '1.1.0', digest: 'new' }), sourceOf('USER', { digest: user.digest })],
      noReplay,
    );
    expect(plan.fresh.map((f) => [f.source.manifest.name, f.status, f.replaces])).toEqual([
      ['root', 'loaded', root],
      ['USER', 're-linked', user],
    ]);
    expect(plan.removed).toEqual([]);
  });

  it('orders the fresh plugins by name, without case', () => {
    const plan = planReload([], [sourceOf('b'), sourceOf('C'), sourceOf('a')], noReplay);
    expect(plan.fresh.map((f) => f.source.manifest.name)).toEqual(['a', 'b', 'C']);
  });

  describe('re-linking a long chain', () => {
    function chain(n: number): { versions: Serving[]; reads: () => number } {
      let reads = 0;
      const versions: Serving[] = [];
      for (let i = 0; i < n; i++) {
        const spec = i === 0 ? {} : { [`p${i - 1}`]: '*' };
        const base = serving(`p${i}`);
        versions.push({
          ...base,
          get importSpec() {
            reads++;
            return spec;
          },
        });
      }
      return { versions, reads: () => reads };
    }

    it.each([1_000, 10_000])('re-links all %i plugins of a chain reading each import spec a bounded number of times', (n) => {
      const { versions, reads } = chain(n);
      const sources = versions.map((v, i) => (i === 0 ? changed(v) : same(v)));
      const plan = planReload(versions, sources, noReplay);
      expect(plan.carried).toEqual([]);
      expect(plan.fresh).toHaveLength(n);
      expect(plan.fresh.filter((f) => f.status === 're-linked')).toHaveLength(n - 1);
      expect(plan.fresh.find((f) => f.source.manifest.name === 'p0')?.status).toBe('loaded');
      expect(plan.retired).toHaveLength(n);
      // Linear work: each spec is read a constant number of times, not once per plugin re-linked before it.
      expect(reads()).toBeLessThanOrEqual(2 * n);
    });
  });
});
