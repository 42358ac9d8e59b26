import { say, type JobFire } from '#g';
import { self } from '../self.js';

/** A job queued now and run later: whichever version serves then runs it. */
export class Live_JobFire implements JobFire {
  constructor(
    public queuedBy: string,
    public target: string,
  ) {}

  run(): void {
    say(`<Live_JobFire.run> build ${self.stamp} fires at ${this.target} (queued by build ${this.queuedBy})`);
  }
}
