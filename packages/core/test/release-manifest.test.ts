// release.json: what parses, what is refused and why, and what its signature covers.
import { generateKeyPairSync, sign } from 'node:crypto';
import { ErrorCodes, releaseSigningPayload, type ReleaseManifest } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { parseReleaseManifest, verifyReleaseSignature } from '../src/release/manifest.js';

const digest = 'a'.repeat(64);
const good: ReleaseManifest = {
  id: '20260102T030405678Z-1a2b3c4d',
  createdAt: '2026-01-02T03:04:05.678Z',
  plugins: [{ name: 'world', version: '1.0.0', file: 'world.hotswap.js', digest }],
  previous: '20260101T000000000Z-00000000',
};
const parse = (value: unknown): ReleaseManifest => parseReleaseManifest(JSON.stringify(value), 'release.json');

describe('parseReleaseManifest', () => {
  it('reads a valid manifest as it is', () => {
    expect(parse(good)).toEqual(good);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a list', [], /not an object/],
    ['an id that is a path', { ...good, id: '../x' }, /"id"/],
    ['no date', { ...good, createdAt: 'yesterday' }, /"createdAt"/],
    ['no plugins', { ...good, plugins: undefined }, /"plugins"/],
    ['a file not named after its plugin', { ...good, plugins: [{ ...good.plugins[0], file: 'other.hotswap.js' }] }, /not world\.hotswap\.js/],
    ['a short digest', { ...good, plugins: [{ ...good.plugins[0], digest: 'abc' }] }, /"digest"/],
    ['one plugin twice', { ...good, plugins: [good.plugins[0], { ...good.plugins[0], name: 'World', file: 'World.hotswap.js' }] }, /twice/],
    ['a previous that is a number', { ...good, previous: 3 }, /"previous"/],
  ])('refuses %s with HOTSWAP_RELEASE_INVALID', (_what, value, message) => {
    const error = thrown(() => (typeof value === 'string' ? parseReleaseManifest(value, 'release.json') : parse(value)));
    expect(error.code).toBe(ErrorCodes.RELEASE_INVALID);
    expect(error.message).toMatch(message);
    expect(error.message).toContain('hotswap release create');
  });
});

describe('the release signature', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signed = (m: ReleaseManifest): ReleaseManifest => ({ ...m, signature: sign(null, releaseSigningPayload(m), privateKey).toString('base64') });

  it('covers every field, nested ones included, whatever the key order', () => {
    const manifest = signed(good);
    expect(() => verifyReleaseSignature(manifest, publicKey, 'release.json')).not.toThrow();
    const reordered = JSON.parse(JSON.stringify({ plugins: manifest.plugins, signature: manifest.signature, createdAt: manifest.createdAt, previous: manifest.previous, id: manifest.id })) as ReleaseManifest;
    expect(() => verifyReleaseSignature(reordered, publicKey, 'release.json')).not.toThrow();
    const altered = { ...manifest, plugins: [{ ...good.plugins[0]!, digest: 'b'.repeat(64) }] };
    expect(thrown(() => verifyReleaseSignature(altered, publicKey, 'release.json')).code).toBe(ErrorCodes.RELEASE_SIGNATURE_INVALID);
    expect(thrown(() => verifyReleaseSignature(good, publicKey, 'release.json')).code).toBe(ErrorCodes.RELEASE_UNSIGNED);
  });
});
