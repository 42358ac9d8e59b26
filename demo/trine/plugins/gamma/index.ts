import { definePlugin } from '@hotswap/core/plugin';
import type { TrineContract } from '#contract';
import { say } from '#g';

export default definePlugin<TrineContract, 'gamma'>({
  import: { beta: '^1.0.0' },
  onLoad: (ctx) => say(`<gamma.onLoad> build ${ctx.buildStamp}`),
  onFree: (ctx) => say(`<gamma.onFree> build ${ctx.buildStamp}`),
  // The functions close over this version's context: imports, version and build stamp.
  setup: (ctx) => ({
    pulse() {
      say(`  <gamma.pulse> gamma ${ctx.version}, build ${ctx.buildStamp}, calls beta`);
      return `gamma ${ctx.buildStamp} / ${ctx.imports.beta.pulse()}`;
    },
  }),
});
