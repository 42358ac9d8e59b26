// Canary reloads: the new generation serves a share of the work beside the
// serving one, by weight or by key, until its rules or the host decide.
import { ErrorCodes, Swapper, type CanaryStatus, type HotswapError, type SwapperOptions } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { rejection, thrown } from '../helpers/errors.js';
import { swapperSuite } from '../helpers/swappers.js';
import { recordingPlugin } from '../helpers/workspace.js';

const suite = swapperSuite();
const swapper = (options: Partial<SwapperOptions> = {}): Swapper => suite.swapper(options);

/** A plugin whose `whoami` answers `label` and whose `work(i)` throws for one call in `failEvery` (never when 0). */
const worker = (label: string, failEvery = 0): string =>
  recordingPlugin(
    label,
    `functions: {
    whoami: () => ${JSON.stringify(label)},
    work(i: number) { if (${failEvery} > 0 && i % ${failEvery} === 0) throw new Error('bad ' + i); return ${JSON.stringify(label)}; },
    async slow() { await new Promise((r) => setImmediate(r)); return ${JSON.stringify(label)}; },
  },`,
  ).replace('functions: { whoami: () => label },', '');

/** Loads alpha@a1 and beta@b1, then builds alpha as `next` (beta unchanged). */
async function loadedWithEdit(next: string, options: Partial<SwapperOptions> = {}): Promise<Swapper> {
  suite.ws.plugin('alpha', { 'index.ts': worker('a1') });
  suite.ws.plugin('beta', { 'index.ts': recordingPlugin('b1') });
  await suite.ws.build({ shared: ['test-log'] });
  const s = swapper(options);
  await s.load();
  suite.ws.plugin('alpha', { 'index.ts': next }, '1.1.0');
  await suite.ws.build({ shared: ['test-log'], include: /^alpha$/ });
  suite.log.length = 0;
  return s;
}

const tally = (answers: unknown[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[String(a)] = (counts[String(a)] ?? 0) + 1;
  return counts;
};

describe('canary', () => {
  it('serves its weight of the work beside the serving generation, each unit of work on one side; promote() makes it the only one', async () => {
    const s = await loadedWithEdit(worker('a2'));
    const starts: CanaryStatus[] = [];
    s.on('canary:start', (status) => void starts.push(status));
    const canary = await s.canary({ weight: 0.3, rules: { auto: false } });
    expect(canary.generation).toBe(2);
    expect(canary.baseline).toBe(1);
    expect(starts.map((st) => [st.generation, st.baseline, st.weight, st.by])).toEqual([[2, 1, 0.3, 'random']]);
    // Both generations serve; the old one is not retired.
    expect(suite.log).toEqual(['alpha:a2:onLoad', 'alpha:a2:onInit', 'beta:b1:onInit']);
    const answers: unknown[] = [];
    for (let i = 1; i <= 4000; i++) {
      const generation = s.current;
      const first = generation.invoke('alpha', 'whoami');
      // A unit of work that keeps its generation never sees the other side.
      expect(generation.invoke('alpha', 'work', i)).toBe(first);
      expect(generation.id).toBe(first === 'a2' ? 2 : 1);
      answers.push(first);
    }
    const share = tally(answers).a2! / answers.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    const status = canary.status();
    expect(status.counts.canary.calls + status.counts.baseline.calls).toBe(8000);
    expect(status.counts.canary.errors).toBe(0);
    expect(s.status().canary?.generation).toBe(2);
    expect(s.reloadCounter).toBe(0);

    const details = canary.promote();
    expect(details.generation).toBe(2);
    expect(canary.state).toBe('promoted');
    expect(s.activeCanary).toBeUndefined();
    expect(s.status().canary).toBeUndefined();
    expect(s.reloadCounter).toBe(1);
    expect(new Set(Array.from({ length: 200 }, () => s.current.invoke('alpha', 'whoami')))).toEqual(new Set(['a2']));
    const outcome = await canary.settled;
    expect([outcome.state, outcome.decidedBy, outcome.details?.generation]).toEqual(['promoted', 'manual', 2]);
    await s.settled();
    expect(suite.log).toContain('alpha:a1:onFree');
    expect(thrown(() => canary.promote()).code).toBe(ErrorCodes.CANARY_DECIDED);
    // A rollback of a promoted canary says so instead of returning as if it rolled back.
    const refused = thrown(() => canary.rollback('changed my mind'));
    expect(refused.code).toBe(ErrorCodes.CANARY_DECIDED);
    expect(refused.message).toContain('promoted');
    expect(canary.state).toBe('promoted');
    expect(s.current.invoke('alpha', 'whoami')).toBe('a2');
  });

  it('splits the calls of handles bound before it, through invoke and fn, with every count of arguments; after promote() they reach the canary alone', async () => {
    const echo = (label: string): string =>
      recordingPlugin(label, `functions: { whoami: () => label, args: (...xs: unknown[]) => label + ':' + xs.length + ':' + xs.join(',') },`).replace(
        'functions: { whoami: () => label },',
        '',
      );
    const s = await loadedWithEdit(echo('a2'));
    suite.ws.plugin('alpha', { 'index.ts': echo('a1') });
    await suite.ws.build({ shared: ['test-log'], include: /^alpha$/ });
    await s.reload();
    suite.ws.plugin('alpha', { 'index.ts': echo('a2') }, '1.1.0');
    await suite.ws.build({ shared: ['test-log'], include: /^alpha$/ });
    const alpha = s.handle('alpha');
    const args = alpha.fn('args');
    // Both paths bound on the serving version before the canary starts.
    expect([alpha.invoke('args', 1), args(1, 2)]).toEqual(['a1:1:1', 'a1:2:1,2']);
    const canary = await s.canary({ weight: 0.5, rules: { auto: false } });
    const answers: string[] = [];
    for (let i = 0; i < 200; i++) {
      const xs = Array.from({ length: i % 7 }, (_, k) => k + i);
      const viaInvoke = alpha.invoke('args', ...xs) as string;
      const viaFn = args(...xs) as string;
      for (const answer of [viaInvoke, viaFn]) {
        expect(answer.slice(3)).toBe(`${xs.length}:${xs.join(',')}`);
        answers.push(answer.slice(0, 2));
      }
    }
    const counts = tally(answers);
    expect(counts.a1).toBeGreaterThan(120);
    expect(counts.a2).toBeGreaterThan(120);
    const status = canary.status();
    expect(status.counts.canary.calls + status.counts.baseline.calls).toBe(400);
    expect(status.counts.canary.calls).toBe(counts.a2);
    canary.promote();
    expect(new Set(Array.from({ length: 50 }, (_, i) => [alpha.invoke('args', i), args(i, i, i, i, i)]).flat())).toEqual(
      new Set(Array.from({ length: 50 }, (_, i) => [`a2:1:${i}`, `a2:5:${[i, i, i, i, i].join(',')}`]).flat()),
    );
    expect(canary.status().counts.canary.calls).toBe(counts.a2);
  });

  it('by key: every key reaches one generation for the whole canary, and the share of keys is its weight', async () => {
    const s = await loadedWithEdit(worker('a2'));
    await s.canary({ weight: 0.2, by: 'key', rules: { auto: false } });
    const seen = new Map<string, Set<unknown>>();
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 1000; k++) {
        const key = `user-${k}`;
        const answer = s.pick(key).invoke('alpha', 'whoami');
        let set = seen.get(key);
        if (set === undefined) seen.set(key, (set = new Set()));
        set.add(answer);
      }
    }
    expect([...seen.values()].every((set) => set.size === 1)).toBe(true);
    const onCanary = [...seen.values()].filter((set) => set.has('a2')).length;
    expect(onCanary).toBeGreaterThan(150);
    expect(onCanary).toBeLessThan(250);
  });

  it('is rolled back by its rules when it fails more calls than the baseline; the baseline serves everything again and the canary is freed', async () => {
    const s = await loadedWithEdit(worker('a2', 5));
    const failures: HotswapError[] = [];
    const ends: CanaryStatus[] = [];
    s.on('reload:failure', (e) => void failures.push(e));
    s.on('canary:end', (st) => void ends.push(st));
    const canary = await s.canary({ weight: 0.5, rules: { minCalls: 50, minDurationMs: 60_000, checkIntervalMs: 5 } });
    const alpha = s.handle('alpha');
    let thrownByCanary = 0;
    let i = 0;
    while (canary.state === 'running' && i < 100_000) {
      i++;
      try {
        alpha.invoke('work', i);
      } catch {
        thrownByCanary++;
      }
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    const outcome = await canary.settled;
    expect(outcome.state).toBe('rolled-back');
    expect(outcome.decidedBy).toBe('rules');
    expect(outcome.reasons.join(' ')).toMatch(/error rate [12]\d\.\d\d% against 0\.00%/);
    expect(outcome.status.counts.canary.errors).toBe(thrownByCanary);
    expect(thrownByCanary).toBeGreaterThan(0);
    expect(s.activeCanary).toBeUndefined();
    expect(new Set(Array.from({ length: 200 }, (_, k) => alpha.invoke('work', k + 1)))).toEqual(new Set(['a1']));
    expect(failures.map((f) => f.code)).toEqual([ErrorCodes.CANARY_ROLLED_BACK]);
    expect(failures[0]?.details).toMatchObject({ decidedBy: 'rules' });
    expect(ends.map((e) => e.state)).toEqual(['rolled-back']);
    expect(s.status().lastReload).toMatchObject({ ok: false, code: ErrorCodes.CANARY_ROLLED_BACK });
    await s.settled();
    expect(suite.log).toContain('alpha:a2:onFree');
    expect(suite.log).not.toContain('alpha:a1:onFree');
    expect(s.reloadCounter).toBe(0);
    // The next reload runs as usual, on top of the baseline.
    expect((await s.reload()).generation).toBe(2);
  });

  it('is promoted by its rules once healthy for long enough, async calls counted as they settle', async () => {
    const s = await loadedWithEdit(worker('a2'));
    const canary = await s.canary({ weight: 0.5, rules: { minCalls: 30, minDurationMs: 50, checkIntervalMs: 5, maxLatencyRatio: 50 } });
    const alpha = s.handle('alpha');
    while (canary.state === 'running') await alpha.invoke('slow');
    const outcome = await canary.settled;
    expect([outcome.state, outcome.decidedBy]).toEqual(['promoted', 'rules']);
    expect(outcome.reasons[0]).toMatch(/^healthy over \d+ call\(s\)/);
    expect(outcome.status.counts.canary.calls).toBeGreaterThanOrEqual(30);
    expect(await alpha.invoke('slow')).toBe('a2');
    await s.settled();
    expect(suite.log).toContain('alpha:a1:onFree');
  });

  it('rolls back after maxDurationMs when the host leaves it undecided, and close() rolls a running canary back', async () => {
    const s = await loadedWithEdit(worker('a2'));
    const canary = await s.canary({ weight: 0.5, rules: { auto: false, maxDurationMs: 30, checkIntervalMs: 5 } });
    const outcome = await canary.settled;
    expect([outcome.state, outcome.decidedBy]).toEqual(['rolled-back', 'rules']);
    expect(outcome.reasons[0]).toMatch(/maxDurationMs/);

    suite.ws.plugin('alpha', { 'index.ts': worker('a3') }, '1.2.0');
    await suite.ws.build({ shared: ['test-log'], include: /^alpha$/ });
    const second = await s.canary({ weight: 0.5, rules: { auto: false } });
    await s.close();
    expect((await second.settled).decidedBy).toBe('closed');
    expect(suite.log).toEqual(expect.arrayContaining(['alpha:a1:onFree', 'alpha:a2:onFree', 'alpha:a3:onFree', 'beta:b1:onFree']));
  });

  it('holds other reloads until it is decided; rollback() by the host frees it and the waiting reload runs', async () => {
    const s = await loadedWithEdit(worker('a2'));
    const canary = await s.canary({ weight: 0.1, rules: { auto: false } });
    let done = false;
    const next = s.reload().then((d) => ((done = true), d));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    canary.rollback('looked wrong');
    expect((await canary.settled).reasons).toEqual(['looked wrong']);
    expect((await next).generation).toBe(2);
    expect(s.current.invoke('alpha', 'whoami')).toBe('a2');
  });

  it('refuses a reload that hands a plugin state over, and a bad split; the serving generation serves on', async () => {
    const stateful = (label: string): string => `import { definePlugin } from '@hotswap/core/plugin';
let state = { n: 0 };
export default definePlugin<{ state: { n: number } }>({
  giveState: () => state,
  takeState(previous) { state = previous.state as { n: number }; },
  functions: { whoami: () => ${JSON.stringify(label)} },
});`;
    suite.ws.plugin('alpha', { 'index.ts': stateful('a1') });
    await suite.ws.build();
    const s = swapper();
    await s.load();
    suite.ws.plugin('alpha', { 'index.ts': stateful('a2') }, '1.1.0');
    await suite.ws.build();
    const refused = await rejection(s.canary({ weight: 0.2 }));
    expect(refused.code).toBe(ErrorCodes.CANARY_REFUSED);
    expect(refused.details).toEqual({ plugins: ['alpha'] });
    expect(refused.message).toMatch(/Reload without a canary/);
    expect(s.current.invoke('alpha', 'whoami')).toBe('a1');
    expect((await rejection(s.canary({ weight: 1 }))).code).toBe(ErrorCodes.INVALID_OPTION);
    expect((await rejection(s.canary({ weight: 0.5, rules: { maxLatencyRatio: 0.5 } }))).code).toBe(ErrorCodes.INVALID_OPTION);
    expect((await s.reload()).generation).toBe(2);
  });
});
