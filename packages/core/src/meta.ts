import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The name of the host API; plugins are not given it at run time. */
export const HOST_MODULE = pkg.name;

/**
 * The name under which plugins import the core, `@hotswap/core/plugin`: the
 * only module of the core a plugin is given, always the host's own instance.
 */
export const CORE_MODULE = `${pkg.name}/plugin`;

/** The version of this core, recorded in every artifact built against it. */
export const CORE_VERSION = pkg.version;
