import { definePlugin } from '@hotswap/core/plugin';
import { say, type SlinkContract } from '#g';
import { live_wagTail } from './tail.js';

export default definePlugin<SlinkContract, 'dog'>({
  onLoad: (ctx) => say(`<dog.onLoad> ${ctx.version}, build ${ctx.buildStamp}`),
  onInit(ctx) {
    ctx.vault.extension.bark = (times) => {
      // A good line for a breakpoint: under ./debug.sh it binds here, in this TypeScript file.
      const woof = Array.from({ length: times }, () => 'woof').join(' ');
      say(`<dog.bark> ${woof} (build ${ctx.buildStamp}) ${live_wagTail()}`);
    };
  },
  onFree: (ctx) => say(`<dog.onFree> build ${ctx.buildStamp}`),
});
