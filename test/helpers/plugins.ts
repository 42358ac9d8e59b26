// Plugin sources the fault suites build: small, and loud about their hooks.

/**
 * A plugin that logs its hooks under `label` to the shared module `test-log`
 * and answers `whoami` with it; `extra` is spliced into its definition, `top`
 * before it.
 */
export function loggingPlugin(label: string, extra = '', top = ''): string {
  return `import { definePlugin } from '@hotswap/core/plugin';
import { log } from 'test-log';
${top}
export default definePlugin({
  onLoad() { log.push('${label} onLoad'); },
  onFree() { log.push('${label} onFree'); },
  functions: { whoami: () => '${label}' },
  ${extra}
});`;
}
