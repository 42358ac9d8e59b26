// The types of releases (a type test only: the typecheck compiles it, and an
// `@ts-expect-error` that no longer finds its error fails it).
import { activateRelease, createRelease, pruneReleases, type CreatedRelease, type PruneResult } from '@hotswap/cli';
import {
  isPluginVersion,
  releaseSigningPayload,
  resolveRelease,
  type PreparedReload,
  type ReleaseManifest,
  type ReloadDetails,
  type ResolvedRelease,
  type Swapper,
  type SwapperStatus,
} from '@hotswap/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const swapper: Swapper;
declare const manifest: ReleaseManifest;

describe('releases', () => {
  it('isPluginVersion tells a version an artifact may carry', () => {
    expectTypeOf(isPluginVersion('1.2.0')).toEqualTypeOf<boolean>();
    // @ts-expect-error a version is a string
    void isPluginVersion(1);
  });

  it('resolveRelease names one release or none', () => {
    expectTypeOf(resolveRelease('/srv/app/plugins')).toEqualTypeOf<Promise<ResolvedRelease | undefined>>();
    expectTypeOf<ResolvedRelease['id']>().toEqualTypeOf<string>();
    expectTypeOf<ResolvedRelease['dir']>().toEqualTypeOf<string>();
    expectTypeOf<ResolvedRelease['manifest']>().toEqualTypeOf<ReleaseManifest>();
    // @ts-expect-error a directory is a path
    void resolveRelease(42);
  });

  it('the release read is named, optionally, in the details, the prepared reload and the status', () => {
    expectTypeOf<ReloadDetails['release']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PreparedReload['release']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<SwapperStatus['release']>().toEqualTypeOf<string | undefined>();
    // @ts-expect-error read-only: the release a prepared reload read cannot be changed
    void swapper.prepare().then((p) => (p.release = 'x'));
  });

  it('the manifest lists each plugin with its digest; the signature covers the rest', () => {
    expectTypeOf(manifest.plugins[0]).toEqualTypeOf<{ name: string; version: string; file: string; digest: string } | undefined>();
    expectTypeOf(manifest.previous).toEqualTypeOf<string | undefined>();
    expectTypeOf(releaseSigningPayload(manifest)).toEqualTypeOf<Buffer>();
  });

  it('the store of @hotswap/cli', () => {
    expectTypeOf(createRelease({ root: 'deploy', from: 'bin', activate: true })).toEqualTypeOf<Promise<CreatedRelease>>();
    expectTypeOf(pruneReleases('deploy', 3)).toEqualTypeOf<Promise<PruneResult>>();
    expectTypeOf(activateRelease('deploy', 'id')).toEqualTypeOf<Promise<{ id: string; was: string | undefined }>>();
    // @ts-expect-error a release is made from a directory of artifacts
    void createRelease({ root: 'deploy' });
  });
});
