// The types of @hotswap/fastify, with the contract named once in
// HotswapTypes (../register.ts): `request.hotswap` is typed by it, so routes
// call plugins with no cast, and mistakes are compile errors.
import type { Generation, Swapper } from '@hotswap/core';
import { hotswapFastify, type RegisteredContract } from '@hotswap/fastify';
import Fastify from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { QuotesContract } from '../../../../test/helpers/quotes.js';
import '../register.js';

declare const swapper: Swapper<QuotesContract>;
declare const other: Swapper<{ plugins: { billing: { functions: { total(): number } } } }>;

describe('@hotswap/fastify types', () => {
  it('types request.hotswap by the registered contract', () => {
    expectTypeOf<RegisteredContract>().toEqualTypeOf<QuotesContract>();
    const app = Fastify();
    void app.register(hotswapFastify, { swapper });
    app.get('/', async (request) => {
      expectTypeOf(request.hotswap).toEqualTypeOf<Generation<QuotesContract>>();
      expectTypeOf(request.hotswap.invoke('quotes', 'label')).toEqualTypeOf<string>();
      expectTypeOf(request.hotswap.handle('quotes').invoke('quote', 2)).toEqualTypeOf<Promise<string>>();
      // @ts-expect-error: no plugin of that name in the contract
      void request.hotswap.invoke('billing', 'total');
      // @ts-expect-error: quotes has no function of that name
      void request.hotswap.invoke('quotes', 'price');
      // @ts-expect-error: quote takes a number
      void request.hotswap.invoke('quotes', 'quote', 'two');
      return request.hotswap.invoke('quotes', 'quote', 2);
    });
  });

  it('takes a swapper of the registered contract and admin options with a prefix and a token', () => {
    const app = Fastify();
    void app.register(hotswapFastify, { swapper, admin: { prefix: '/_hotswap', token: 'x'.repeat(24) }, closeSwapper: false });
    // @ts-expect-error: a swapper of another contract
    void app.register(hotswapFastify, { swapper: other });
    // @ts-expect-error: the admin routes need a prefix
    void app.register(hotswapFastify, { swapper, admin: { token: 'x'.repeat(24) } });
    // @ts-expect-error: the swapper is required
    void app.register(hotswapFastify, {});
  });
});
