// A cycle on purpose: plugins import `@hotswap/core` and must receive this
// very instance, not a copy. The namespace is only read when a plugin is
// evaluated, long after every module here has finished loading.
import * as core from '../index.js';

/** The host's own `@hotswap/core` module namespace, handed to plugins that import it. */
export function coreNamespace(): unknown {
  return core;
}
