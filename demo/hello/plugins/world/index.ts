import { definePlugin } from '@hotswap/core/plugin';
import { say, stats, type HelloContract } from '#g';

const message = 'Hello, world';

export default definePlugin<HelloContract, 'world'>({
  onLoad(ctx) {
    say(`<world.onLoad> version ${ctx.version}, build ${ctx.buildStamp}, host up since ${ctx.data.startedAt}`);
  },
  onInit(ctx) {
    say(`<world.onInit> build ${ctx.buildStamp}`);
  },
  onFree(ctx) {
    say(`<world.onFree> build ${ctx.buildStamp} freed`);
  },
  // The functions are closures over this version's context: no module state needed.
  setup: (ctx) => ({
    hum(repeat) {
      for (let i = 1; i <= repeat; i++) {
        stats.hums++;
        say(`<world.hum> ${message} (${i}/${repeat}, build ${ctx.buildStamp}, hum #${stats.hums})`);
      }
    },
  }),
});
