// The slink host's shared module (plugins import it as `#g`).
export { say } from '../../kit/index.ts';

/** The host's extension: dog fills `bark` in OnInit, the heartbeat calls it. */
export interface SlinkExtension {
  bark: ((times: number) => void) | undefined;
}

/** The types the slink host shares with its plugins. */
export interface SlinkTypes {
  extension: SlinkExtension;
}
