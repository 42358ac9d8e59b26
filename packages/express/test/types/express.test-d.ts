// The types of @hotswap/express: `hot.of(req)` is typed by the swapper's own
// contract, so routes call plugins with no cast, and mistakes are compile errors.
import type { Generation, Swapper } from '@hotswap/core';
import { adminRouter, hotswapMiddleware, type HotswapMiddleware } from '@hotswap/express';
import express, { type RequestHandler } from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import type { QuotesContract } from '../../../../test/helpers/quotes.js';

declare const swapper: Swapper<QuotesContract>;

describe('@hotswap/express types', () => {
  it('infers the contract from the swapper', () => {
    const hot = hotswapMiddleware(swapper);
    expectTypeOf(hot).toEqualTypeOf<HotswapMiddleware<QuotesContract>>();
    expectTypeOf(hot).toMatchTypeOf<RequestHandler>();
    const app = express();
    app.use(hot);
    app.get('/', async (req, res) => {
      expectTypeOf(hot.of(req)).toEqualTypeOf<Generation<QuotesContract>>();
      expectTypeOf(hot.of(req).invoke('quotes', 'label')).toEqualTypeOf<string>();
      // @ts-expect-error: no plugin of that name in the contract
      void hot.of(req).invoke('billing', 'total');
      // @ts-expect-error: quote takes a number
      void hot.of(req).handle('quotes').invoke('quote', 'two');
      res.send(await hot.of(req).invoke('quotes', 'quote', 1));
    });
  });

  it('makes the admin router from a swapper and a token', () => {
    expectTypeOf(adminRouter(swapper, { token: 'x'.repeat(24), allowedHosts: ['admin.example.com'] })).toEqualTypeOf<RequestHandler>();
    // @ts-expect-error: the token is required
    adminRouter(swapper, {});
  });
});
