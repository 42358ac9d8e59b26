// The rows of the call-overhead case, shared by its parent and child sides.

export const EACH = 'invokeEach (10 plugins)';
/** `generation.invoke` with names read from input: equal strings, not the call site's literals. */
export const BY_NAME = 'generation.invoke, names from input';
export const DIRECT_ASYNC = 'direct async';
/** A direct async call whose promise gets one then(): what counting it in flight costs at the least. */
export const DIRECT_ASYNC_THEN = 'direct async + one then()';
export const HANDLE_ASYNC = 'handle.fn async';
/**
 * A plain function variable of the host that each reload points at a newly
 * compiled function, no hotswap involved: the least any call into code that
 * changes under traffic costs once the call site has seen a second function.
 */
export const REPLACED = 'direct, a function replaced at each reload (no hotswap)';

/** The synchronous rows, compared with `direct`. */
export const SYNC_ROWS = ['direct', REPLACED, 'handle.invoke', 'handle.fn', 'generation.invoke', BY_NAME, 'live function (held)', 'live function (vault.liveFunc per call)'];
/** The rows that await each call, compared with `direct async`. */
export const ASYNC_ROWS = [DIRECT_ASYNC, DIRECT_ASYNC_THEN, HANDLE_ASYNC];

/** The rows, each measured in a fresh process so no call path's type feedback colours another's. */
export const ROWS = [...SYNC_ROWS, ...ASYNC_ROWS, EACH];
