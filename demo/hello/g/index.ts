// The host's shared module: the host and every plugin see this one instance
// (plugins import it by the name `#g` and are built with `--shared '#g'`).
export { say } from '../../kit/index.ts';

/** The contract of the hello host and its plugins: the data they get, and what plugin `world` offers. */
export interface HelloContract {
  data: { startedAt: string };
  plugins: {
    world: { functions: { hum(repeat: number): void } };
  };
}

/** How many hums all versions of all plugins have made: it survives reloads because it lives in the host. */
export const stats = { hums: 0 };
