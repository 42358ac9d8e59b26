import { say } from '#g';
import { self } from '../self.js';

/** The data a roll call carries from the version that queued it to the one that answers it. */
export interface RollCall {
  queuedBy: string;
  names: Set<string>;
  at: Date;
}

export function live_ResponseRollCall(call: RollCall): void {
  say(`<live_ResponseRollCall> build ${self.stamp} answers the roll call queued by build ${call.queuedBy}: ${[...call.names].join(', ')} (queued at ${call.at.toISOString().slice(11, 23)})`);
}
