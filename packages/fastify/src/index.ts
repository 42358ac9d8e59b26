// @hotswap/fastify: a Fastify 5 plugin that serves each request with the
// generation it started on, gives routes typed calls into the plugins, mounts
// the admin routes under a prefix, and closes the swapper with the server.
export { hotswapFastify, hotswapFastify as default } from './plugin.js';
export type { HotswapFastifyAdmin, HotswapFastifyOptions, HotswapTypes, RegisteredContract } from './plugin.js';
