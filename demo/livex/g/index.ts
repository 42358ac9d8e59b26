// The livex host's shared module (plugins import it as `#g`).
import type { LiveData } from '@hotswap/core';

export { say } from '../../kit/index.ts';

/** A job in the host's queue: a live function to call, or a live type instance to run, with its data. */
export interface Job {
  kind: 'func' | 'type';
  /** The live function's name, or the live type's. */
  name: string;
  data: LiveData;
  /** When to run it, in ms since the epoch. */
  due: number;
}

/** The host's extension: guardian fills `onJob` in OnInit, the queue calls it. */
export interface LivexExtension {
  onJob: ((job: Job) => void) | undefined;
}

/** The types the livex host shares with its plugins. */
export interface LivexTypes {
  extension: LivexExtension;
}

/** The host's job queue. It holds only live data, so it keeps no plugin version alive. */
export const jobs: Job[] = [];

/** How long Fire waits before its job runs. */
export const fireDelayMs = Number(process.env['DEMO_FIRE_DELAY_MS'] ?? 1000);
