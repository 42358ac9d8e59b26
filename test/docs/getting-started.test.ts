// docs/getting-started.md, followed step by step as a reader would.
//
// The page's contract (also in docs/README.md, "Writing docs"):
//
// - Files: every ```ts block whose first line is `// file: <path>` and every
//   ```json file=<path> block is a file of the reader's project, written when
//   the page reaches it. The page gives `plugins/greeter/index.ts` (the
//   plugin) and the host file that its start command names. Without a
//   ```json file=package.json block the project gets
//   {"name": "my-app", "private": true, "type": "module"}.
// - Commands: the lines of ```sh (or bash, shell) blocks, in page order.
//   `hotswap …` and `npx hotswap …` run the CLI and must exit 0.
//   The host is started by exactly one command, `node --import tsx <file>`,
//   `npx tsx <file>`, `tsx <file>`, or `npm start` / `npm run <script>` whose
//   script is one of those or a hotswap command; it keeps running. `kill
//   -<SIGNAL> $(cat <pidfile>)` signals the host. `npm install` lines that
//   name a `.tgz` run for real, with npm, in a fresh project outside the
//   workspace (<temp>/my-app), after the test has `pnpm pack`ed core and the
//   CLI into <temp>/hotswap/packs as the page's clone steps do; `hotswap`
//   commands run the CLI so installed. Every other line (mkdir, cd, npm init,
//   the clone's pnpm commands, npx tsc, …) is not run: the test stands in for it.
// - The change: after the start command, the page gives
//   plugins/greeter/index.ts again, either as a whole ```ts block with the
//   same `// file:` line or as a ```diff file=plugins/greeter/index.ts block.
//   The commands after it (rebuild, reload) are the reload step.
// - The proof: the change must replace a string literal of the plugin that
//   the host prints (the greeting). Once started, the host must print one of
//   the plugin's literals that the change removes; after the reload step it
//   must print one that the change adds, still as the same process.
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { follow } from './helpers/getting-started.js';
import { ROOT } from './helpers/markdown.js';

describe('docs/getting-started.md', () => {
  test('followed step by step, the host serves the plugin, then the changed plugin without a restart', async () => {
    await follow(join(ROOT, 'docs', 'getting-started.md'));
  }, 240_000);
});
