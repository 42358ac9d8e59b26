import { definePlugin, type PluginContext } from '@hotswap/core';
import type { BetaApi } from '#contract';
import { say } from '#g';

type GammaTypes = { imports: { beta: BetaApi } };
let context: PluginContext<GammaTypes> | undefined;

export default definePlugin<GammaTypes>({
  import: { beta: '^1.0.0' },
  onLoad(ctx) {
    context = ctx;
    say(`<gamma.onLoad> build ${ctx.buildStamp}`);
  },
  onFree: (ctx) => say(`<gamma.onFree> build ${ctx.buildStamp}`),
  functions: {
    pulse(): string {
      const ctx = context!;
      say(`  <gamma.pulse> gamma ${ctx.version}, build ${ctx.buildStamp}, calls beta`);
      return `gamma ${ctx.buildStamp} / ${ctx.imports.beta.pulse()}`;
    },
  },
});
