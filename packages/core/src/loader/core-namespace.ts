import * as pluginApi from '../plugin-api.js';

/** The host's own `@hotswap/core/plugin` module namespace, the one module of the core plugins are given. */
export function coreNamespace(): typeof pluginApi {
  return pluginApi;
}
