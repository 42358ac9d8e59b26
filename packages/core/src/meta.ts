import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

/** The name under which plugins import the core; it always resolves to the host's own copy. */
export const CORE_MODULE = pkg.name;

/** The version of this core, recorded in every artifact built against it. */
export const CORE_VERSION = pkg.version;
