import { definePlugin } from '@hotswap/core/plugin';
import { say, type ExtensionContract } from '#g';

export default definePlugin<ExtensionContract, 'cat'>({
  onLoad: (ctx) => say(`<cat.onLoad> build ${ctx.buildStamp}`),
  // OnInit runs for every generation this version joins, each with a fresh extension to fill.
  onInit(ctx) {
    ctx.vault.extension.meow = (repeat) => {
      for (let i = 1; i <= repeat; i++) say(`<cat.meow> meow ${i}/${repeat}, build ${ctx.buildStamp}`);
    };
    say(`<cat.onInit> filled the extension's meow, build ${ctx.buildStamp}`);
  },
  onFree: (ctx) => say(`<cat.onFree> build ${ctx.buildStamp}`),
});
