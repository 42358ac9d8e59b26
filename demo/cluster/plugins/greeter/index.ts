import { definePlugin } from '@hotswap/core/plugin';
import type { ClusterContract } from '#g';

/** Greetings this worker has made: kept in the plugin, handed to each new version (giveState, takeState). */
let greetings = 0;

export default definePlugin<ClusterContract, 'greeter'>({
  giveState: () => greetings,
  takeState(previous) {
    if (typeof previous.state === 'number') greetings = previous.state;
  },
  setup: (ctx) => ({
    greet(worker) {
      greetings++;
      return `Hello from worker ${worker}, build ${ctx.buildStamp}, greeting #${greetings}`;
    },
  }),
});
