// Manifests the docs call invalid are refused, with a message that says what to write.
import { decodeArtifact, encodeArtifact, ErrorCodes, type Manifest } from '@hotswap/core';
import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { checkManifest, PLUGIN_NAME_PATTERN } from '../src/artifact.js';

const manifest: Omit<Manifest, 'hash' | 'format'> = {
  name: 'world',
  version: '1.2.3',
  core: '0.1.0',
  shared: [],
  buildStamp: 'stamp',
  builtAt: '2026-01-01T00:00:00.000Z',
  entry: 'src/index.ts',
  live: [],
};
const code = 'module.exports = {};\n';
const decode = (fields: Partial<Manifest>): Manifest => decodeArtifact(encodeArtifact({ ...manifest, ...fields }, code).text, 'bin/world.hotswap.js').manifest;

describe('manifest fields', () => {
  it.each<[string, Partial<Manifest>, string]>([
    ['a version that is not semver', { version: '1.0' }, 'its version "1.0" is not a semver version. Write a version such as "1.2.0" in the plugin\'s package.json'],
    ['a version that is a word', { version: 'latest' }, 'its version "latest" is not a semver version'],
    ['an entry with ..', { entry: '../outside/index.ts' }, 'its entry "../outside/index.ts" is not a path inside the plugin directory'],
    ['an entry with .. in the middle', { entry: 'src/../../index.ts' }, 'with no ".." and not absolute'],
    ['an absolute entry', { entry: '/etc/index.ts' }, 'its entry "/etc/index.ts" is not a path inside'],
    ['a Windows absolute entry', { entry: 'C:\\src\\index.ts' }, 'is not a path inside'],
    ['an entry with a backslash ..', { entry: 'src\\..\\..\\x.ts' }, 'is not a path inside'],
    ['a build time that is not a date', { builtAt: 'yesterday' }, 'its build time "yesterday" is not an ISO 8601 date. Write the time as `new Date().toISOString()` does'],
    ['a build time with no offset', { builtAt: '2026-01-01T00:00:00' }, 'is not an ISO 8601 date'],
    ['a build time on a day that does not exist', { builtAt: '2026-13-45T00:00:00Z' }, 'is not an ISO 8601 date'],
    ['a name with a slash', { name: 'a/b' }, 'its plugin name "a/b" is not a valid name. A plugin name is letters, digits'],
  ])('refuses %s with HOTSWAP_ARTIFACT_INVALID', (_what, fields, message) => {
    const error = thrown(() => decode(fields));
    expect(error).toMatchObject({ code: ErrorCodes.ARTIFACT_INVALID, stage: 'verify' });
    expect(error.message).toContain(message);
  });

  it.each<[string, Partial<Manifest>]>([
    ['a prerelease version', { version: '2.0.0-beta.1' }],
    ['a version with build metadata', { version: '1.0.0+abc' }],
    ['a nested entry', { entry: 'src/deep/index.ts' }],
    ['an entry whose name starts with two dots', { entry: '..index.ts' }],
    ['a build time with an offset and no fraction', { builtAt: '2026-01-01T10:00:00+02:00' }],
  ])('accepts %s', (_what, fields) => {
    expect(decode(fields)).toMatchObject(fields);
  });

  it('checkManifest names the path it is given, and refuses what is not an object', () => {
    for (const value of [null, 'text', [1, 2]]) {
      const error = thrown(() => checkManifest(value, 'bin/x.hotswap.js'));
      expect(error.code).toBe(ErrorCodes.ARTIFACT_INVALID);
      expect(error.message).toContain('bin/x.hotswap.js is not a hotswap artifact');
    }
  });

  it('PLUGIN_NAME_PATTERN is the one plugin-name rule', () => {
    expect(PLUGIN_NAME_PATTERN.source).toBe('^[A-Za-z0-9_][A-Za-z0-9_.-]*$');
    for (const ok of ['world', 'World_2', '_x', 'a.b-c']) expect(PLUGIN_NAME_PATTERN.test(ok)).toBe(true);
    for (const bad of ['', '.hidden', '-x', 'a b', 'a/b', '..']) expect(PLUGIN_NAME_PATTERN.test(bad)).toBe(false);
  });
});
