// A version's state machine on its own: the only moves it allows, and who hears of them.
import { describe, expect, it } from 'vitest';
import { Lifecycle, type VersionState } from '../src/version/lifecycle.js';
import { makeVersion } from './helpers/versions.js';

const STATES: readonly VersionState[] = ['loading', 'serving', 'retiring', 'freed', 'discarded'];
const ALLOWED: ReadonlyArray<[VersionState, VersionState]> = [
  ['loading', 'serving'],
  ['loading', 'discarded'],
  ['serving', 'retiring'],
  ['retiring', 'freed'],
];
/** The moves that lead from `loading` to each state. */
const PATH: { readonly [S in VersionState]: readonly VersionState[] } = {
  loading: [],
  serving: ['serving'],
  retiring: ['serving', 'retiring'],
  freed: ['serving', 'retiring', 'freed'],
  discarded: ['discarded'],
};

function at(state: VersionState): { life: Lifecycle; heard: VersionState[] } {
  const heard: VersionState[] = [];
  const life = new Lifecycle((to) => heard.push(to));
  for (const to of PATH[state]) life.move(to);
  heard.length = 0;
  return { life, heard };
}

describe('Lifecycle', () => {
  it('starts loading, not ended', () => {
    const life = new Lifecycle();
    expect(life.state).toBe('loading');
    expect(life.ended).toBe(false);
  });

  it.each(ALLOWED)('moves from %s to %s and the observer hears it', (from, to) => {
    const { life, heard } = at(from);
    life.move(to);
    expect(life.state).toBe(to);
    expect(heard).toEqual([to]);
  });

  const refused = STATES.flatMap((from) => STATES.filter((to) => !ALLOWED.some(([f, t]) => f === from && t === to)).map((to) => [from, to] as const));

  it('refuses 21 moves of the 25', () => {
    expect(refused).toHaveLength(21);
  });

  it.each(refused)('refuses to move from %s to %s, stays put and tells no one', (from, to) => {
    const { life, heard } = at(from);
    expect(() => life.move(to)).toThrowError(`cannot move from ${from} to ${to}`);
    expect(life.state).toBe(from);
    expect(heard).toEqual([]);
  });

  it.each(STATES)('says whether %s has ended', (state) => {
    expect(at(state).life.ended).toBe(state === 'freed' || state === 'discarded');
  });

  it('reports each move of a plugin version, with the version, to its observer', () => {
    const moves: string[] = [];
    const version = makeVersion('p', {}, { observe: (v, to) => moves.push(`${v.name}:${to}`) });
    version.serve();
    version.retire();
    version.free();
    expect(moves).toEqual(['p:serving', 'p:retiring', 'p:freed']);
    expect(version.state).toBe('freed');
    expect(() => version.serve()).toThrowError('cannot move from freed to serving');
  });

  it('aborts the signal of a version that retires', () => {
    const version = makeVersion('p');
    version.serve();
    expect(version.signal.aborted).toBe(false);
    version.retire();
    expect(version.signal.aborted).toBe(true);
    expect((version.signal.reason as Error).message).toBe('plugin "p" 1.0.0 retired');
  });
});
