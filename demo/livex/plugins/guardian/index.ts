import { definePlugin, type LiveData, type PluginContext } from '@hotswap/core';
import { fireDelayMs, jobs, say, type LivexTypes } from '#g';
import { Live_JobFire } from './live/fire.js';
import type { RollCall } from './live/rollcall.js';
import { self } from './self.js';

let context: PluginContext<LivexTypes> | undefined;

export default definePlugin<LivexTypes>({
  onLoad(ctx) {
    context = ctx;
    self.stamp = ctx.buildStamp;
    say(`<guardian.onLoad> build ${ctx.buildStamp}`);
  },
  // Every generation gets a fresh extension; its onJob always uses that generation's vault,
  // so a job runs the newest live function or type, whoever queued it.
  onInit(ctx) {
    const { vault } = ctx;
    vault.extension.onJob = (job) => {
      if (job.kind === 'func') vault.liveFunc<(data: unknown) => void>(job.name)(vault.unwrap(job.data));
      else vault.unwrap(job.data as LiveData<{ run(): void }>).run();
    };
  },
  onFree: (ctx) => say(`<guardian.onFree> build ${ctx.buildStamp}`),
  functions: {
    MakeRollCall() {
      const call: RollCall = { queuedBy: self.stamp, names: new Set(['alice', 'bob', 'carol']), at: new Date() };
      jobs.push({ kind: 'func', name: 'live_ResponseRollCall', data: context!.vault.wrap(call), due: Date.now() });
      say(`<guardian.MakeRollCall> build ${self.stamp} queued a roll call`);
    },
    Fire() {
      const job = new Live_JobFire(self.stamp, 'the target');
      jobs.push({ kind: 'type', name: 'Live_JobFire', data: context!.vault.wrap(job), due: Date.now() + fireDelayMs });
      say(`<guardian.Fire> build ${self.stamp} queued a fire job due in ${fireDelayMs} ms`);
    },
  },
});
