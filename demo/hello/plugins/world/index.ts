import { definePlugin } from '@hotswap/core';
import { say, stats, type HelloTypes } from '#g';

const message = 'Hello, world';

// Module state belongs to this version: the next version starts afresh.
let stamp = '';

export default definePlugin<HelloTypes>({
  onLoad(ctx) {
    stamp = ctx.buildStamp;
    say(`<world.onLoad> version ${ctx.version}, build ${stamp}, host up since ${ctx.data.startedAt}`);
  },
  onInit() {
    say(`<world.onInit> build ${stamp}`);
  },
  onFree() {
    say(`<world.onFree> build ${stamp} freed`);
  },
  functions: {
    hum(repeat: number) {
      for (let i = 1; i <= repeat; i++) {
        stats.hums++;
        say(`<world.hum> ${message} (${i}/${repeat}, build ${stamp}, hum #${stats.hums})`);
      }
    },
  },
});
