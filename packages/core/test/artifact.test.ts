import { decodeArtifact, encodeArtifact, ErrorCodes, hashBundle, isCoreCompatible, type Manifest } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';

const manifest: Omit<Manifest, 'hash' | 'format'> = {
  name: 'world',
  version: '1.2.3',
  core: '0.1.0',
  shared: ['@hotswap/core'],
  buildStamp: 'stamp',
  builtAt: '2026-01-01T00:00:00.000Z',
  entry: 'index.ts',
  live: [],
};
const code = '"use strict";\nmodule.exports = { default: {} };\n';

describe('artifact format', () => {
  it('round-trips: one manifest line, then the bundle, with the bundle hash', () => {
    const text = encodeArtifact(manifest, code).text;
    expect(text.split('\n')[0]).toMatch(/^\/\/ hotswap-artifact \{"format":1,"name":"world"/);
    const artifact = decodeArtifact(text, 'world.hotswap.js');
    expect(artifact.manifest).toEqual({ format: 1, ...manifest, hash: hashBundle(code) });
    expect(artifact.code).toBe(code);
    expect(artifact.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('returns the manifest it wrote, signature included', () => {
    const encoded = encodeArtifact(manifest, code, () => 'c2lnbmVk');
    expect(decodeArtifact(encoded.text, 'world.hotswap.js').manifest).toEqual(encoded.manifest);
    expect(encoded.manifest).toMatchObject({ format: 1, hash: hashBundle(code), signature: 'c2lnbmVk' });
  });

  it('gives a different digest to a rebuild with another stamp, the same hash to the same bundle', () => {
    const a = decodeArtifact(encodeArtifact(manifest, code).text, 'a');
    const b = decodeArtifact(encodeArtifact({ ...manifest, buildStamp: 'other' }, code).text, 'b');
    expect(a.manifest.hash).toBe(b.manifest.hash);
    expect(a.digest).not.toBe(b.digest);
  });

  it.each([
    ['empty', ''],
    ['plain JavaScript', 'module.exports = 1;\n'],
    ['a manifest line only', '// hotswap-artifact {"format":1}'],
    ['a manifest that is not JSON', '// hotswap-artifact {nope\ncode'],
    ['another format', encodeArtifact(manifest, code).text.replace('"format":1', '"format":2')],
    ['a missing field', encodeArtifact(manifest, code).text.replace('"version":"1.2.3",', '')],
    ['a bad name', encodeArtifact({ ...manifest, name: '../evil' }, code).text],
  ])('refuses %s with HOTSWAP_ARTIFACT_INVALID', (_what, text) => {
    expect(thrown(() => decodeArtifact(text, 'x.hotswap.js'))).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID, stage: 'verify' });
  });

  it('refuses a truncated or altered bundle with HOTSWAP_ARTIFACT_HASH_MISMATCH, naming the plugin', () => {
    const text = encodeArtifact(manifest, code).text;
    for (const bad of [text.slice(0, -5), text.replace('default', 'dEfault')]) {
      expect(thrown(() => decodeArtifact(bad, 'x'))).toMatchObject({ code: ErrorCodes.ARTIFACT_HASH_MISMATCH, plugin: 'world' });
    }
  });
});

describe('core compatibility', () => {
  it.each([
    ['0.1.0', '0.1.5', true],
    ['0.1.0', '0.2.0', false],
    ['1.0.0', '1.9.2', true],
    ['1.4.0', '2.0.0', false],
    ['garbage', '1.0.0', false],
  ])('built against %s, running %s: %s', (built, running, ok) => {
    expect(isCoreCompatible(built, running)).toBe(ok);
  });
});
