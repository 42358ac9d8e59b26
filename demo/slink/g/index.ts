// The slink host's shared module (plugins import it by the name `#g`).
export { say } from '../../kit/index.ts';

/** The host's extension: dog fills `bark` in OnInit, the heartbeat calls it. */
export interface SlinkExtension {
  bark: ((times: number) => void) | undefined;
}

/** The contract of the slink host and its plugins. */
export interface SlinkContract {
  extension: SlinkExtension;
  plugins: { dog: {} };
  live: { functions: { live_wagTail(): string } };
}
