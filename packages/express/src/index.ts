// @hotswap/express: Express 5 middleware that serves each request with the
// generation it started on, and the admin routes as a handler to mount.
export { hotswapMiddleware } from './middleware.js';
export type { HotswapMiddleware } from './middleware.js';
export { adminRouter } from './admin.js';
