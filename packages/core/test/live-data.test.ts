// Wrapping and unwrapping live data, with a vault standing in for a generation.
import { ErrorCodes } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { LiveData } from '../src/live/data.js';
import { Vault } from '../src/vault.js';

// Two "versions" of one live type: same name, different classes.
class Live_Job {
  id = 0;
  tags: string[] = [];
  describe(): string {
    return `v1 job ${this.id}`;
  }
}
const Live_Job_v2 = class Live_Job {
  id = 0;
  tags: string[] = [];
  describe(): string {
    return `v2 job ${this.id} [${this.tags.join(',')}]`;
  }
};
class NotLive {
  x = 1;
}

/** The contract of these vaults: one live type, `Live_Job`, and one live function. */
interface Jobs {
  live: { types: { Live_Job: typeof Live_Job }; functions: { live_run(): string } };
}

function vaultWith(...types: Array<[string, unknown]>): Vault<Jobs> {
  const vault = new Vault<Jobs>(undefined, {});
  const owners = new Map<string, string>();
  for (const [name, cls] of types) vault.addLive('p', name, cls, owners, (f) => f);
  return vault;
}

describe('wrap and unwrap', () => {
  const v1 = vaultWith(['Live_Job', Live_Job]);
  const v2 = vaultWith(['Live_Job', Live_Job_v2]);

  it.each([
    ['a string', 'hi'],
    ['a number', 42.5],
    ['NaN', Number.NaN],
    ['a boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['a bigint', 10n ** 20n],
  ])('round-trips %s', (_what, value) => {
    expect(v2.unwrap(v1.wrap(value))).toEqual(value);
  });

  it('round-trips plain objects, arrays, Dates, Maps and Sets, nested, as new objects', () => {
    const value = {
      list: [1, 'two', { three: 3 }],
      at: new Date('2026-01-02T03:04:05Z'),
      map: new Map<unknown, unknown>([['a', [1]], [2, new Set(['x'])]]),
      set: new Set([new Date(0), { deep: { deeper: [null] } }]),
      bare: Object.assign(Object.create(null) as object, { k: 'v' }),
    };
    const back = v2.unwrap(v1.wrap(value));
    expect(back).toEqual({ ...value, bare: { k: 'v' } });
    expect(back.list).not.toBe(value.list);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.map.get(2)).toBeInstanceOf(Set);
  });

  it("unwraps an instance of a live type into the newest version's class, without running its constructor", () => {
    const job = new Live_Job();
    job.id = 7;
    job.tags.push('urgent');
    const data = v1.wrap({ job, list: [job] });
    expect(data).toBeInstanceOf(LiveData);
    const back = v2.unwrap(data);
    expect(back.job).toBeInstanceOf(Live_Job_v2);
    expect(back.job).not.toBeInstanceOf(Live_Job);
    expect(back.job.describe()).toBe('v2 job 7 [urgent]');
    expect(back.list[0]?.describe()).toBe('v2 job 7 [urgent]');
  });

  it('holds no reference to the classes or objects it was made from', () => {
    const job = new Live_Job();
    const data = v1.wrap(job);
    const seen = new Set<unknown>();
    const walk = (x: unknown): void => {
      if (typeof x === 'function') seen.add(x);
      if (typeof x !== 'object' || x === null || seen.has(x)) return;
      seen.add(x);
      for (const v of Object.values(x)) walk(v);
    };
    walk(data);
    expect(seen.has(Live_Job)).toBe(false);
    expect(seen.has(job)).toBe(false);
    expect([...seen].some((x) => typeof x === 'function')).toBe(false);
  });

  it.each([
    ['a function', { a: { fn: () => 1 } }, 'value.a.fn: it is a function (fn)'],
    ['a symbol', { s: Symbol('x') }, 'value.s: it is a symbol'],
    ['an instance of a class that is not live', { list: [1, new NotLive()] }, 'value.list[1]: it is an instance of class NotLive'],
    ['a getter', { get g() { return 1; } }, 'value.g: it is an accessor'],
    ['symbol keys', { [Symbol('k')]: 1 }, 'value: it is an object with symbol keys'],
    ['a Map value', new Map([['k', () => 1]]), 'value.get("k"): it is a function'],
    ['a promise', { p: Promise.resolve(1) }, 'value.p: it is an instance of class Promise'],
  ])('refuses %s, naming the field', (_what, value: unknown, message) => {
    const error = thrown(() => v1.wrap(value));
    expect(error.code).toBe(ErrorCodes.LIVE_DATA_UNSUPPORTED);
    expect(error.message).toContain(message);
  });

  it('refuses a circular reference', () => {
    const a: Record<string, unknown> = {};
    a['self'] = { back: a };
    expect(() => v1.wrap(a)).toThrowError(/value\.self\.back: it is a circular reference/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { n: 1 };
    expect(v2.unwrap(v1.wrap([shared, shared]))).toEqual([{ n: 1 }, { n: 1 }]);
  });

  it('refuses to unwrap an instance of a live type the generation no longer has', () => {
    const data = v1.wrap(new Live_Job());
    expect(thrown(() => vaultWith().unwrap(data)).code).toBe(ErrorCodes.LIVE_NOT_FOUND);
  });
});

describe('the vault registry', () => {
  it('sorts classes into live types and functions into live functions, and names both owners of a collision', () => {
    const vault = new Vault<Jobs>(undefined, {});
    const owners = new Map<string, string>();
    vault.addLive('a', 'live_run', () => 'ran', owners, (f) => f);
    vault.addLive('a', 'Live_Job', Live_Job, owners, (f) => f);
    expect(vault.liveFunc('live_run')()).toBe('ran');
    expect(vault.liveType('Live_Job')).toBe(Live_Job);
    expect([...vault.liveFuncs.keys()]).toEqual(['live_run']);
    const collision = thrown(() => vault.addLive('b', 'live_run', () => 1, owners, (f) => f));
    expect(collision.code).toBe(ErrorCodes.LIVE_COLLISION);
    expect(collision.message).toContain('"a" and "b"');
    // @ts-expect-error: a name the contract does not declare still fails at run time, with its code.
    expect(thrown(() => vault.liveFunc('live_nope')).code).toBe(ErrorCodes.LIVE_NOT_FOUND);
  });
});
