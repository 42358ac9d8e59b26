// The host's shared module: the host and every plugin see this one instance
// (plugins import it as `#g` and are built with `--shared '#g'`).
export { say } from '../../kit/index.ts';

/** The types the hello host shares with its plugins. */
export interface HelloTypes {
  data: { startedAt: string };
}

/** How many hums all versions of all plugins have made: it survives reloads because it lives in the host. */
export const stats = { hums: 0 };
