// The link phase on its own: dependency order, every dependency error, cycles printed whole, and wiring imports.
import { ErrorCodes } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { keyOf, type PluginKey } from '../src/names.js';
import { linkOrder, wireImports } from '../src/reload/link.js';
import type { PluginVersion } from '../src/version/version.js';
import { makeVersion, membersOf, type VersionOptions } from './helpers/versions.js';

const v = (name: string, imports: string[] = [], options: VersionOptions = {}): PluginVersion =>
  makeVersion(name, {}, { importSpec: Object.fromEntries(imports.map((n) => [n, '*'])), ...options });

const names = (versions: readonly PluginVersion[]): string[] => versions.map((x) => x.name);
const none = new Set<PluginKey>();

function linkError(members: Map<PluginKey, PluginVersion>, previous: ReadonlySet<PluginKey> = none): { code: string; message: string; plugin?: string; stage?: string } {
  try {
    linkOrder(members, previous);
  } catch (error) {
    return error as { code: string; message: string; plugin?: string; stage?: string };
  }
  throw new Error('linkOrder did not throw');
}

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('linkOrder', () => {
  it('puts independent plugins in name order, without case', () => {
    expect(names(linkOrder(membersOf([v('c'), v('B'), v('a')]), none))).toEqual(['a', 'B', 'c']);
  });

  it('puts each plugin after everything it imports, the same whatever order the members come in', () => {
    const make = (): PluginVersion[] => [v('app', ['db', 'log']), v('db', ['log']), v('log'), v('cache', ['log'])];
    const orders = new Set(permutations(make()).map((p) => names(linkOrder(membersOf(p), none)).join(',')));
    expect([...orders]).toEqual(['log,cache,db,app']);
  });

  it('gives the same order whatever order the plugins come in', () => {
    // c imports a; a and b import e; d imports nothing.
    const list = [v('a', ['e']), v('b', ['e']), v('c', ['a']), v('d'), v('e')];
    const expected = names(linkOrder(membersOf(list), none));
    for (const order of [[...list].reverse(), [list[2]!, list[0]!, list[4]!, list[1]!, list[3]!]]) {
      expect(names(linkOrder(membersOf(order), none))).toEqual(expected);
    }
    expect(expected).toEqual(['d', 'e', 'a', 'c', 'b']);
  });

  it('keeps plugins with no imports in name order, each dependency before its importers', () => {
    const members = membersOf([v('a'), v('b', ['z']), v('y', ['z']), v('z'), v('c')]);
    const order = names(linkOrder(members, none));
    expect(order.filter((n) => ['a', 'c'].includes(n))).toEqual(['a', 'c']);
    expect(order.indexOf('z')).toBeLessThan(order.indexOf('b'));
    expect(order.indexOf('z')).toBeLessThan(order.indexOf('y'));
    expect(order).toEqual(names(linkOrder(membersOf([v('c'), v('z'), v('y', ['z']), v('b', ['z']), v('a')]), none)));
  });

  it('tells an unknown dependency from a removed one', () => {
    const members = membersOf([v('app', ['gone'])]);
    expect(linkError(members)).toMatchObject({ code: ErrorCodes.DEP_UNKNOWN, plugin: 'app', stage: 'link' });
    expect(linkError(members).message).toContain('there is no plugin "gone"');
    const removed = linkError(members, new Set([keyOf('Gone')]));
    expect(removed).toMatchObject({ code: ErrorCodes.DEP_REMOVED, plugin: 'app', stage: 'link' });
    expect(removed.message).toContain('which this reload removes');
  });

  it('finds a dependency by name without case', () => {
    expect(names(linkOrder(membersOf([v('app', ['LOG']), v('Log')]), none))).toEqual(['Log', 'app']);
  });

  it('refuses a range that is not semver', () => {
    const members = membersOf([v('app', [], { importSpec: { log: 'not a range' } }), v('log')]);
    const error = linkError(members);
    expect(error).toMatchObject({ code: ErrorCodes.DEP_RANGE_INVALID, plugin: 'app', stage: 'link' });
    expect(error.message).toContain('"not a range"');
    // Parsed ranges are kept between reloads: the same text is refused again, not taken as checked.
    expect(linkError(members)).toMatchObject({ code: ErrorCodes.DEP_RANGE_INVALID, plugin: 'app' });
  });

  it('refuses a version outside the range, and accepts one inside it (prereleases included)', () => {
    const error = linkError(membersOf([v('app', [], { importSpec: { log: '^2.0.0' } }), v('log', [], { version: '1.4.0' })]));
    expect(error).toMatchObject({ code: ErrorCodes.DEP_VERSION, plugin: 'app', stage: 'link' });
    expect(error.message).toContain('needs "log" ^2.0.0, but "log" is 1.4.0');
    const ok = membersOf([v('app', [], { importSpec: { log: '^2.0.0' } }), v('log', [], { version: '2.1.0-beta.1' })]);
    expect(names(linkOrder(ok, none))).toEqual(['log', 'app']);
  });

  it('refuses a not-reloadable plugin that imports a reloadable one, and allows the other way round', () => {
    const error = linkError(membersOf([v('pinned', ['free'], { reloadable: false }), v('free')]));
    expect(error).toMatchObject({ code: ErrorCodes.DEP_NOT_RELOADABLE, plugin: 'pinned', stage: 'link' });
    expect(error.message).toContain('"pinned" is not reloadable but imports "free"');
    const fine = membersOf([v('free', ['pinned']), v('pinned', [], { reloadable: false })]);
    expect(names(linkOrder(fine, none))).toEqual(['pinned', 'free']);
  });

  it('prints a self-import as a cycle', () => {
    const error = linkError(membersOf([v('a'), v('selfish', ['SELFISH'])]));
    expect(error).toMatchObject({ code: ErrorCodes.DEP_CYCLE, plugin: 'selfish', stage: 'link' });
    expect(error.message).toContain('a cycle: selfish -> selfish.');
  });

  it('prints a longer cycle whole, starting at its first name, whatever the order of the members', () => {
    // b -> c -> a -> b, with a bystander importing into the loop.
    const make = (): PluginVersion[] => [v('b', ['c']), v('c', ['a']), v('a', ['b']), v('x', ['a'])];
    for (const order of permutations(make())) {
      const error = linkError(membersOf(order));
      expect(error).toMatchObject({ code: ErrorCodes.DEP_CYCLE, plugin: 'a', stage: 'link' });
      expect(error.message).toContain('a cycle: a -> b -> c -> a.');
    }
  });

  it('imports a plugin only once when it is named twice in different case', () => {
    const members = membersOf([v('app', [], { importSpec: { log: '*', LOG: '^1.0.0' } }), v('log')]);
    expect(names(linkOrder(members, none))).toEqual(['log', 'app']);
  });
});

describe('wireImports', () => {
  it("gives each fresh version its dependencies' exports under the names its import used", () => {
    const log = v('Log', [], { exported: { write: 'w' } });
    const db = v('db', [], { exported: 42 });
    const app = v('app', ['LOG', 'db']);
    const carried = v('old', ['db']);
    wireImports([app], membersOf([log, db, app, carried]));
    expect(app.imports).toEqual({ LOG: { write: 'w' }, db: 42 });
    expect(app.context.imports).toBe(app.imports);
    // A carried-over version keeps what it was wired with.
    expect(carried.imports).toEqual({});
  });
});
