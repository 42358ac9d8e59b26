// The livex host's shared module (plugins import it by the name `#g`).
import type { LiveData } from '@hotswap/core/plugin';

export { say } from '../../kit/index.ts';

/** The data a roll call carries from the version that queued it to the one that answers it. */
export interface RollCall {
  queuedBy: string;
  names: Set<string>;
  at: Date;
}

/** A job queued now and run later by whichever version serves then: the live type `Live_JobFire`. */
export interface JobFire {
  queuedBy: string;
  target: string;
  run(): void;
}

/** A job in the host's queue: a live function to call, or a live type instance to run, with its data. */
export type Job =
  | { kind: 'func'; name: 'live_ResponseRollCall'; data: LiveData<RollCall>; due: number }
  | { kind: 'type'; name: 'Live_JobFire'; data: LiveData<JobFire>; due: number };

/** The host's extension: guardian fills `onJob` in OnInit, the queue calls it. */
export interface LivexExtension {
  onJob: ((job: Job) => void) | undefined;
}

/** The contract of the livex host and its plugin: the extension, guardian's functions, the live things. */
export interface LivexContract {
  extension: LivexExtension;
  plugins: { guardian: { functions: { MakeRollCall(): void; Fire(): void } } };
  live: {
    functions: { live_ResponseRollCall(call: RollCall): void };
    types: { Live_JobFire: new (queuedBy: string, target: string) => JobFire };
  };
}

/** The host's job queue. It holds only live data, so it keeps no plugin version alive. */
export const jobs: Job[] = [];

/** How long Fire waits before its job runs. */
export const fireDelayMs = Number(process.env['DEMO_FIRE_DELAY_MS'] ?? 1000);
