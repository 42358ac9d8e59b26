// The census on its own: the states it reports, and leak and collection checks through a real FinalizationRegistry.
import { describe, expect, it } from 'vitest';
import { Census, type LeakEvent, type VersionStatus } from '../src/census.js';
import type { Logger } from '../src/logger.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion, sleep, tick } from './helpers/versions.js';

interface Heard {
  census: Census;
  leaks: LeakEvent[];
  collected: VersionStatus[];
  warnings: string[];
}

function census(leakTimeout: number | false, checkInterval?: number): Heard {
  const leaks: LeakEvent[] = [];
  const collected: VersionStatus[] = [];
  const warnings: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (_fields, m) => warnings.push(m), error() {} };
  return { census: new Census(log, leakTimeout, (s) => collected.push(s), (e) => leaks.push(e), checkInterval), leaks, collected, warnings };
}

/** A version the census follows, as the evaluate phase makes one. */
function tracked(heard: Heard, name: string, owner: object): PluginVersion {
  const version = makeVersion(name, {}, { observe: heard.census.observe, version: '2.0.0', buildStamp: `b-${name}` });
  heard.census.add(version, owner);
  return version;
}

// Registered from here so that no variable of the test keeps the owner alive.
function trackedWithoutOwner(heard: Heard, name: string): PluginVersion {
  return tracked(heard, name, { plugin: name });
}

async function collectUntil(done: () => boolean): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('these tests need node --expose-gc (vitest.config.ts sets it)');
  for (let i = 0; i < 50 && !done(); i++) {
    gc();
    await tick();
  }
}

const states = (h: Heard): string[] => h.census.snapshot().versions.map((v) => `${v.plugin}:${v.state}`);

describe('Census', () => {
  it('follows each version from loading to freed, oldest first, with calls in flight while it is live', () => {
    const h = census(false);
    const owners = [{}, {}, {}];
    const a = tracked(h, 'a', owners[0]!);
    const b = tracked(h, 'b', owners[1]!);
    const c = tracked(h, 'c', owners[2]!);
    expect(states(h)).toEqual(['a:loading', 'b:loading', 'c:loading']);
    a.serve();
    b.serve();
    c.discard();
    const release = a.hold();
    expect(h.census.snapshot().versions[0]).toEqual({ plugin: 'a', version: '2.0.0', buildStamp: 'b-a', state: 'serving', inflight: 1 });
    release();
    b.retire();
    expect(states(h)).toEqual(['a:serving', 'b:retiring', 'c:freed']);
    b.free();
    const snapshot = h.census.snapshot();
    expect(snapshot.collected).toBe(0);
    const freed = snapshot.versions[1]!;
    expect(freed.state).toBe('freed');
    expect(freed.inflight).toBeUndefined();
    expect(typeof freed.freedAt).toBe('number');
    expect(owners).toHaveLength(3);
  });

  it('ignores a version it never tracked', () => {
    const h = census(false);
    const stranger = makeVersion('stranger');
    h.census.moved(stranger, 'serving');
    expect(h.census.snapshot().versions).toEqual([]);
  });

  it('reports a freed version still alive after leakTimeout as leaked', async () => {
    const h = census(10);
    const owner = { held: 'by the test' };
    const version = tracked(h, 'leaky', owner);
    version.serve();
    version.retire();
    version.free();
    for (let i = 0; i < 200 && h.leaks.length === 0; i++) await sleep(5);
    const sinceFreeMs = h.leaks[0]?.sinceFreeMs;
    expect(sinceFreeMs).toBeTypeOf('number');
    expect(h.leaks).toEqual([{ plugin: 'leaky', version: '2.0.0', buildStamp: 'b-leaky', sinceFreeMs }]);
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toContain('plugin "leaky" 2.0.0 (build b-leaky) is still in memory');
    expect(states(h)).toEqual(['leaky:leaked']);
    expect(h.collected).toEqual([]);
    expect(owner.held).toBe('by the test');
  });

  it('reports a version whose owner was dropped as collected, not leaked', async () => {
    const h = census(10);
    const version = trackedWithoutOwner(h, 'clean');
    version.discard();
    await collectUntil(() => h.collected.length > 0);
    expect(h.collected).toEqual([{ plugin: 'clean', version: '2.0.0', buildStamp: 'b-clean', state: 'collected' }]);
    const snapshot = h.census.snapshot();
    const freedAt = snapshot.versions[0]?.freedAt;
    expect(freedAt).toBeTypeOf('number');
    expect(snapshot).toEqual({
      versions: [{ plugin: 'clean', version: '2.0.0', buildStamp: 'b-clean', state: 'collected', freedAt }],
      collected: 1,
      leaks: 0,
    });
    // The leak check that was due finds it collected and stays silent.
    await sleep(30);
    expect(h.leaks).toEqual([]);
  });

  it('forces one full collection per check interval however many checks come due, and still names every pinned version', async () => {
    const h = census(10, 1000);
    const real = (globalThis as { gc?: () => void }).gc!;
    let forced = 0;
    (globalThis as { gc?: () => void }).gc = () => {
      forced++;
      real();
    };
    try {
      const owners = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];
      const versions = owners.map((owner, i) => tracked(h, `pinned${i}`, owner));
      versions[0]!.discard();
      for (let i = 0; i < 200 && h.leaks.length === 0; i++) await sleep(5);
      expect(h.leaks.map((l) => l.plugin)).toEqual(['pinned0']);
      expect(forced).toBe(1);
      // Three more come due one after the other within the interval: they wait for it and are checked together.
      for (const v of versions.slice(1)) {
        v.discard();
        await sleep(25);
      }
      expect(h.leaks).toHaveLength(1);
      for (let i = 0; i < 600 && h.leaks.length < 4; i++) await sleep(5);
      expect(h.leaks.map((l) => `${l.plugin} ${l.version}`)).toEqual(['pinned0 2.0.0', 'pinned1 2.0.0', 'pinned2 2.0.0', 'pinned3 2.0.0']);
      expect(forced).toBe(2);
      expect(owners).toHaveLength(4);
    } finally {
      (globalThis as { gc?: () => void }).gc = real;
    }
  });

  it('forces no collection for a check whose versions were all collected already', async () => {
    const h = census(10, 0);
    const real = (globalThis as { gc?: () => void }).gc!;
    trackedWithoutOwner(h, 'gone').discard();
    await collectUntil(() => h.collected.length > 0);
    let forced = 0;
    (globalThis as { gc?: () => void }).gc = () => {
      forced++;
      real();
    };
    try {
      await sleep(40);
      expect(forced).toBe(0);
      expect(h.leaks).toEqual([]);
    } finally {
      (globalThis as { gc?: () => void }).gc = real;
    }
  });

  it('without --expose-gc, judges a freed version only after two full collections of the collector\'s own: a pinned one is reported then, a dropped one never', async () => {
    const h = census(10, 0);
    const real = (globalThis as { gc?: () => void }).gc!;
    // As in a process without --expose-gc: the check cannot force a collection.
    (globalThis as { gc?: () => void }).gc = undefined;
    try {
      const owner = { held: 'by the test' };
      tracked(h, 'pinned', owner).discard();
      trackedWithoutOwner(h, 'dropped').discard();
      // Long past leakTimeout, and no full collection yet: neither is judged.
      await sleep(60);
      expect(h.leaks).toEqual([]);
      expect(states(h)).toEqual(['pinned:freed', 'dropped:freed']);
      // The collector runs full collections of its own (here started from outside the census, as the collector would).
      real();
      await sleep(20);
      expect(h.leaks).toEqual([]);
      real();
      for (let i = 0; i < 200 && h.leaks.length === 0; i++) await sleep(5);
      expect(h.leaks.map((l) => l.plugin)).toEqual(['pinned']);
      expect(states(h)).toEqual(['pinned:leaked', 'dropped:collected']);
      expect(h.collected.map((c) => c.plugin)).toEqual(['dropped']);
      expect(owner.held).toBe('by the test');
    } finally {
      (globalThis as { gc?: () => void }).gc = real;
    }
  });

  it('checks nothing for leaks when leakTimeout is false', async () => {
    const h = census(false);
    const owner = {};
    tracked(h, 'p', owner).discard();
    await sleep(30);
    expect(h.leaks).toEqual([]);
    expect(states(h)).toEqual(['p:freed']);
    expect(owner).toEqual({});
  });

  it('keeps the last 100 collected versions and counts them all', async () => {
    const h = census(false);
    for (let i = 0; i < 105; i++) trackedWithoutOwner(h, `p${i}`).discard();
    await collectUntil(() => h.collected.length === 105);
    const snapshot = h.census.snapshot();
    expect(snapshot.collected).toBe(105);
    expect(snapshot.versions).toHaveLength(100);
    expect(snapshot.versions.every((v) => v.state === 'collected')).toBe(true);
  });
});
