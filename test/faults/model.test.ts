// A model-based test: random sequences of change, add, remove, break,
// reload and invoke against a model of what must be serving. After every
// step the generation matches the model; no retired version is ever called;
// at the end every version that started got OnFree exactly once.
// HOTSWAP_MODEL_RUNS=5000 runs more sequences than CI's default.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORE_VERSION, encodeArtifact, Swapper } from '@hotswap/core';
import fc from 'fast-check';
import { expect, it } from 'vitest';

const RUNS = Number(process.env['HOTSWAP_MODEL_RUNS'] ?? 300);
const NAMES = ['alpha', 'beta', 'gamma'] as const;
type Name = (typeof NAMES)[number];
type Variant = { kind: 'ok'; label: string } | { kind: 'throws-at-top' } | { kind: 'throws-in-onInit' };

type Op =
  | { op: 'write'; name: Name; variant: Variant }
  | { op: 'remove'; name: Name }
  | { op: 'reload' }
  | { op: 'invoke' };

const variant: fc.Arbitrary<Variant> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('v1', 'v2', 'v3').map((label): Variant => ({ kind: 'ok', label })) },
  { weight: 1, arbitrary: fc.constant<Variant>({ kind: 'throws-at-top' }) },
  { weight: 1, arbitrary: fc.constant<Variant>({ kind: 'throws-in-onInit' }) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('write' as const), name: fc.constantFrom(...NAMES), variant }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), name: fc.constantFrom(...NAMES) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'reload' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'invoke' as const }) },
);

/** A hand-written CommonJS bundle: the same shape `hotswap build` emits, without the build time. */
function bundle(name: Name, v: Variant): string {
  const label = v.kind === 'ok' ? v.label : v.kind;
  return `"use strict";
const probe = require('model-probe');
${v.kind === 'throws-at-top' ? "throw new Error('broken at the top');" : ''}
const id = probe.next(${JSON.stringify(name)});
module.exports = { default: {
  onLoad() { probe.event(id, 'load'); },
  onInit() { ${v.kind === 'throws-in-onInit' ? "throw new Error('broken in onInit');" : ''} },
  onFree() { probe.event(id, 'free'); },
  functions: { whoami() { probe.called(id); return ${JSON.stringify(label)}; } },
} };
`;
}

it(`keeps the serving generation equal to the model over ${RUNS} random sequences`, async () => {
  let stamp = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const dir = mkdtempSync(join(tmpdir(), 'hotswap-model-'));
      const events = new Map<number, string[]>();
      const freed = new Set<number>();
      const violations: string[] = [];
      let nextId = 0;
      const probe = {
        next: (name: string) => {
          events.set(++nextId, [name]);
          return nextId;
        },
        event: (id: number, what: string) => {
          events.get(id)!.push(what);
          if (what === 'free') freed.add(id);
        },
        called: (id: number) => {
          if (freed.has(id)) violations.push(`instance ${id} was called after its OnFree`);
        },
      };
      const disk = new Map<Name, Variant>();
      const write = (name: Name, v: Variant): void => {
        const manifest = {
          name,
          version: '1.0.0',
          core: CORE_VERSION,
          shared: ['model-probe'],
          buildStamp: `m${++stamp}`,
          builtAt: new Date().toISOString(),
          entry: 'index.js',
          live: [],
        };
        writeFileSync(join(dir, `${name}.hotswap.js`), encodeArtifact(manifest, bundle(name, v)).text);
        disk.set(name, v);
      };
      write('alpha', { kind: 'ok', label: 'v1' });
      const swapper = new Swapper({ pluginDir: dir, shared: { 'model-probe': probe }, logger: false, freeDelay: 0, leakTimeout: false });
      await swapper.load(undefined);
      let model = new Map<Name, string>([['alpha', 'v1']]);
      try {
        for (const step of ops) {
          if (step.op === 'write') write(step.name, step.variant);
          if (step.op === 'remove') {
            rmSync(join(dir, `${step.name}.hotswap.js`), { force: true });
            disk.delete(step.name);
          }
          if (step.op === 'reload') {
            const ok = disk.size > 0 && [...disk.values()].every((v) => v.kind === 'ok');
            const result = await swapper.reload().then(
              () => true,
              () => false,
            );
            expect(result).toBe(ok);
            if (ok) model = new Map([...disk].map(([n, v]) => [n, v.kind === 'ok' ? v.label : '']));
          }
          if (step.op === 'invoke') {
            for (const [name, label] of model) expect(swapper.current.invoke(name, 'whoami')).toBe(label);
          }
          // After every step: the serving generation is the model.
          expect(swapper.current.plugins.map((p) => p.name)).toEqual([...model.keys()].sort());
          for (const name of NAMES) expect(swapper.current.find(name) !== undefined).toBe(model.has(name));
        }
        for (const [name, label] of model) expect(swapper.current.invoke(name, 'whoami')).toBe(label);
      } finally {
        await swapper.close();
        rmSync(dir, { recursive: true, force: true });
      }
      expect(violations).toEqual([]);
      // Every version that started (OnLoad) got exactly one OnFree; none that never started got one.
      for (const [id, log] of events) {
        const loads = log.filter((e) => e === 'load').length;
        const frees = log.filter((e) => e === 'free').length;
        expect({ id, loads, frees }).toEqual({ id, loads, frees: loads });
      }
    }),
    { numRuns: RUNS },
  );
}, 600_000);
