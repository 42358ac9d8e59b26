// The observability API's types: the mountable admin handler, the metrics
// object and its exposition, the reload history (a type test only, compiled
// by the typecheck).
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createAdminHandler,
  prometheusText,
  reloadOnSignal,
  Swapper,
  type AdminHandlerOptions,
  type ReloadRecord,
  type SwapperMetrics,
  type SwapperStatus,
} from '@hotswap/core';
import { describe, expectTypeOf, it } from 'vitest';

declare const swapper: Swapper;

describe('observability types', () => {
  it('createAdminHandler is a node:http request handler', () => {
    expectTypeOf(createAdminHandler(swapper, { token: 't', prefix: '/hotswap' })).toEqualTypeOf<(req: IncomingMessage, res: ServerResponse) => void>();
    expectTypeOf<AdminHandlerOptions>().toHaveProperty('prefix').toEqualTypeOf<string | undefined>();
    // @ts-expect-error the token is required
    createAdminHandler(swapper, { prefix: '/hotswap' });
    // @ts-expect-error a server option belongs to serveAdmin
    createAdminHandler(swapper, { token: 't', port: 7070 });
  });

  it('metrics are a plain object, and prometheusText takes them', () => {
    expectTypeOf(swapper.metrics()).toEqualTypeOf<SwapperMetrics>();
    expectTypeOf(swapper.metrics().reloads.count).toEqualTypeOf<{ success: number; failure: number; aborted: number }>();
    expectTypeOf(swapper.metrics().versions.serving).toBeNumber();
    expectTypeOf(prometheusText).parameter(0).toEqualTypeOf<SwapperMetrics>();
    expectTypeOf(prometheusText(swapper.metrics())).toBeString();
  });

  it('the status carries the reload history', () => {
    expectTypeOf<SwapperStatus['history']>().toEqualTypeOf<ReloadRecord[]>();
    expectTypeOf<ReloadRecord['outcome']>().toEqualTypeOf<'success' | 'failure' | 'aborted'>();
    expectTypeOf<ReloadRecord['kind']>().toEqualTypeOf<'load' | 'reload'>();
  });

  it('reloadOnSignal takes the admin address for its pid file', () => {
    reloadOnSignal(swapper, { pidFile: 'host.pid', admin: 'http://127.0.0.1:7070' });
    // @ts-expect-error the address is a string
    reloadOnSignal(swapper, { pidFile: 'host.pid', admin: 7070 });
  });
});
