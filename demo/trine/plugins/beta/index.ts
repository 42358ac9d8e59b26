import { definePlugin } from '@hotswap/core/plugin';
import type { TrineContract } from '#contract';
import { say } from '#g';

export default definePlugin<TrineContract, 'beta'>({
  import: { alpha: '^1.0.0' },
  // ctx.imports is filled before OnLoad, so read it when pulse runs, not here.
  export: (ctx) => ({
    pulse() {
      say(`  <beta.pulse> beta ${ctx.version}, build ${ctx.buildStamp}, calls alpha`);
      return `beta ${ctx.buildStamp} / alpha ${ctx.imports.alpha.pulse()}`;
    },
  }),
  onLoad: (ctx) => say(`<beta.onLoad> build ${ctx.buildStamp}`),
  onFree: (ctx) => say(`<beta.onFree> build ${ctx.buildStamp}`),
});
