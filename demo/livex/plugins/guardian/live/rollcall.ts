import { say, type RollCall } from '#g';
import { self } from '../self.js';

export function live_ResponseRollCall(call: RollCall): void {
  say(`<live_ResponseRollCall> build ${self.stamp} answers the roll call queued by build ${call.queuedBy}: ${[...call.names].join(', ')} (queued at ${call.at.toISOString().slice(11, 23)})`);
}
