import { definePlugin } from '@hotswap/core/plugin';
import { fireDelayMs, jobs, say, type LivexContract, type RollCall } from '#g';
import { Live_JobFire } from './live/fire.js';
import { self } from './self.js';

export default definePlugin<LivexContract, 'guardian'>({
  onLoad(ctx) {
    self.stamp = ctx.buildStamp;
    say(`<guardian.onLoad> build ${ctx.buildStamp}`);
  },
  // Every generation gets a fresh extension; its onJob always uses that generation's vault,
  // so a job runs the newest live function or type, whoever queued it.
  onInit(ctx) {
    const { vault } = ctx;
    vault.extension.onJob = (job) => {
      if (job.kind === 'func') vault.liveFunc(job.name)(vault.unwrap(job.data));
      else vault.unwrap(job.data).run();
    };
  },
  onFree: (ctx) => say(`<guardian.onFree> build ${ctx.buildStamp}`),
  setup: (ctx) => ({
    MakeRollCall() {
      const call: RollCall = { queuedBy: self.stamp, names: new Set(['alice', 'bob', 'carol']), at: new Date() };
      jobs.push({ kind: 'func', name: 'live_ResponseRollCall', data: ctx.vault.wrap(call), due: Date.now() });
      say(`<guardian.MakeRollCall> build ${self.stamp} queued a roll call`);
    },
    Fire() {
      const job = new Live_JobFire(self.stamp, 'the target');
      jobs.push({ kind: 'type', name: 'Live_JobFire', data: ctx.vault.wrap(job), due: Date.now() + fireDelayMs });
      say(`<guardian.Fire> build ${self.stamp} queued a fire job due in ${fireDelayMs} ms`);
    },
  }),
});
