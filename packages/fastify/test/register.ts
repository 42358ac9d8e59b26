// The contract of the tests' host, named once for @hotswap/fastify's types:
// `request.hotswap` and the `swapper` option are typed by it in every test file.
import type { QuotesContract } from '../../../test/helpers/quotes.js';

declare module '@hotswap/fastify' {
  interface HotswapTypes {
    contract: QuotesContract;
  }
}
