// The commit phase on its own: state handed over in order, then the swap; a failure swaps nothing.
import { ErrorCodes, HotswapError, isHotswapError, type Predecessor } from '@hotswap/core';
import { Generation } from '../src/generation.js';
import { Vault } from '../src/vault.js';
import { describe, expect, it } from 'vitest';
import { commit, type Handoff } from '../src/reload/commit.js';
import type { PluginDefinition } from '../src/plugin.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion } from './helpers/versions.js';

function servingVersion(name: string, definition: PluginDefinition, version = '1.0.0'): PluginVersion {
  const v = makeVersion(name, definition, { version, buildStamp: `old-${name}` });
  v.serve();
  return v;
}

function failure(run: () => void): HotswapError {
  try {
    run();
  } catch (error) {
    if (isHotswapError(error)) return error;
    throw error;
  }
  throw new Error('commit did not throw');
}

describe('commit', () => {
  it('hands each state over in order, then swaps, then the new versions serve', () => {
    const log: string[] = [];
    const taken: Predecessor[] = [];
    const pair = (name: string): Handoff => ({
      from: servingVersion(name, { giveState: () => (log.push(`${name} gives`), { count: name.length }) }),
      to: makeVersion(name, { takeState: (previous) => (log.push(`${name} takes`), void taken.push(previous)) }, { version: '2.0.0' }),
    });
    const handoffs = [pair('a'), pair('bb')];
    const carried = servingVersion('carried', {});
    const generation = new Generation(2, [handoffs[0]!.to, carried, handoffs[1]!.to], new Vault(undefined, {}));
    commit(generation, handoffs, 1_000, (g) => {
      log.push(`swap ${g.id}`);
      expect(g.versions.map((v) => v.state)).toEqual(['loading', 'serving', 'loading']);
    });
    expect(log).toEqual(['a gives', 'a takes', 'bb gives', 'bb takes', 'swap 2']);
    expect(taken).toEqual([
      { state: { count: 1 }, version: '1.0.0', buildStamp: 'old-a' },
      { state: { count: 2 }, version: '1.0.0', buildStamp: 'old-bb' },
    ]);
    expect(generation.versions.map((v) => v.state)).toEqual(['serving', 'serving', 'serving']);
  });

  it('gives undefined state when the replaced version has no giveState', () => {
    const taken: Predecessor[] = [];
    const from = servingVersion('p', {});
    const to = makeVersion('p', { takeState: (previous) => void taken.push(previous) });
    commit(new Generation(2, [to], new Vault(undefined, {})), [{ from, to }], false, () => {});
    expect(taken).toEqual([{ state: undefined, version: '1.0.0', buildStamp: 'old-p' }]);
  });

  describe('a failed handoff swaps nothing', () => {
    const attempt = (from: PluginDefinition, to: PluginDefinition, limit: number | false = 1_000) => {
      let swapped = false;
      const next = makeVersion('p', { takeState: () => {}, ...to }, { version: '2.0.0' });
      const old = servingVersion('p', from);
      const error = failure(() => commit(new Generation(2, [next], new Vault(undefined, {})), [{ from: old, to: next }], limit, () => (swapped = true)));
      return { error, swapped, next, old };
    };

    it('HANDOFF_FAILED for a throwing giveState, naming the replaced version', () => {
      const cause = new Error('cannot give');
      const { error, swapped, next, old } = attempt({ giveState: () => { throw cause; } }, {});
      expect(error).toMatchObject({ code: ErrorCodes.HANDOFF_FAILED, plugin: 'p', stage: 'giveState', cause });
      expect(error.message).toContain('giveState failed handing state from 1.0.0 to 2.0.0: cannot give');
      expect(error.message).toContain('1.0.0 keeps serving with its state');
      expect(swapped).toBe(false);
      expect([old.state, next.state]).toEqual(['serving', 'loading']);
    });

    // Describing a failure maps its stack to the plugin's source, which can be slow: that time is not the hook's.
    it('HANDOFF_FAILED, not HOOK_TIMEOUT, when describing the failure takes longer than the limit', () => {
      const slow = new Error('wrong shape');
      Object.defineProperty(slow, 'stack', {
        get() {
          const until = performance.now() + 250;
          while (performance.now() < until) {
            // A stack that is slow to read.
          }
          return 'Error: wrong shape';
        },
      });
      const { error, swapped } = attempt({}, { takeState: () => { throw slow; } }, 100);
      expect(error).toMatchObject({ code: ErrorCodes.HANDOFF_FAILED, plugin: 'p', stage: 'takeState', cause: slow });
      expect(swapped).toBe(false);
    });

    it('HANDOFF_FAILED for a throwing takeState', () => {
      const { error, swapped, next } = attempt({ giveState: () => 1 }, { takeState: () => { throw new Error('wrong shape'); } });
      expect(error).toMatchObject({ code: ErrorCodes.HANDOFF_FAILED, plugin: 'p', stage: 'takeState' });
      expect(error.message).toContain('wrong shape');
      expect(swapped).toBe(false);
      expect(next.state).toBe('loading');
    });

    it('HANDOFF_FAILED for a giveState or takeState that returns a promise', () => {
      const give = attempt({ giveState: () => Promise.resolve(1) }, {});
      expect(give.error).toMatchObject({ code: ErrorCodes.HANDOFF_FAILED, stage: 'giveState' });
      expect(give.error.message).toContain('giveState returned a promise');
      // Returns a promise, which the type of takeState refuses (a JavaScript plugin has no types): the check must catch it.
      const asyncTake = (() => Promise.resolve()) as unknown as () => undefined;
      const take = attempt({}, { takeState: asyncTake });
      expect(take.error).toMatchObject({ code: ErrorCodes.HANDOFF_FAILED, stage: 'takeState' });
      expect(take.error.message).toContain('takeState returned a promise');
      expect([give.swapped, take.swapped]).toEqual([false, false]);
    });

    it('interrupts a takeState that loops forever with HOOK_TIMEOUT', () => {
      const { error, swapped, next } = attempt({ giveState: () => 1 }, {
        takeState: () => {
          for (;;) {
            // Endless.
          }
        },
      }, 50);
      expect(error).toMatchObject({ code: ErrorCodes.HOOK_TIMEOUT, plugin: 'p', stage: 'takeState' });
      expect(error.message).toContain('takeState ran for more than 50 ms and was interrupted');
      expect(swapped).toBe(false);
      expect(next.state).toBe('loading');
    });

    it('interrupts a giveState that loops forever, naming the replaced version', () => {
      const { error, swapped } = attempt({
        giveState: () => {
          for (;;) {
            // Endless.
          }
        },
      }, {}, 50);
      expect(error).toMatchObject({ code: ErrorCodes.HOOK_TIMEOUT, plugin: 'p', stage: 'giveState' });
      expect(swapped).toBe(false);
    });
  });
});
