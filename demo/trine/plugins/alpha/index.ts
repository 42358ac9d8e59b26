import { definePlugin } from '@hotswap/core/plugin';
import type { TrineContract } from '#contract';
import { say } from '#g';

export default definePlugin<TrineContract, 'alpha'>({
  export: (ctx) => ({
    pulse() {
      say(`  <alpha.pulse> alpha ${ctx.version}, build ${ctx.buildStamp}`);
      return ctx.buildStamp;
    },
  }),
  onLoad: (ctx) => say(`<alpha.onLoad> build ${ctx.buildStamp}`),
  onFree: (ctx) => say(`<alpha.onFree> build ${ctx.buildStamp}`),
});
