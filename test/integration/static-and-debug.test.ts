// Statically linked plugins run the same lifecycle, dependencies and vault;
// artifacts carry what a debugger needs to show and break in TypeScript.
import { Session } from 'node:inspector/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ErrorCodes, Swapper } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace();
});
afterEach(() => ws.cleanup());

describe('static linking', () => {
  it('loads the generated table with dependencies, vault and live functions; reload is refused', async () => {
    ws.plugin('alpha', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({ export: () => ({ name: () => 'alpha' }) });`,
    });
    ws.plugin('beta', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export { live_shout } from './live.js';
export default definePlugin<{ imports: { alpha: { name(): string } }; extension: { who?: () => string } }>({
  import: { alpha: '^1' },
  onInit(ctx) { ctx.vault.extension.who = () => 'beta after ' + ctx.imports.alpha.name(); },
});`,
      'live.ts': `export const live_shout = (s: string): string => s.toUpperCase() + '!';`,
    });
    const result = await ws.build({ staticLinking: true, outputDir: join(ws.root, 'generated') });
    expect(result.staticTable).toBe(join(ws.root, 'generated', 'hotswap.static-plugins.ts'));
    const { staticPlugins } = (await import(result.staticTable!)) as { staticPlugins: [] };
    const swapper = new Swapper<{ extension: { who?: () => string } }>({ staticPlugins, logger: false, extension: () => ({}) });
    expect(swapper.staticLinkingMode).toBe(true);
    const details = await swapper.load(undefined);
    expect(details.plugins.map((p) => `${p.name} ${p.status}`)).toEqual(['alpha loaded', 'beta loaded']);
    expect(swapper.current.vault.extension.who?.()).toBe('beta after alpha');
    expect(swapper.current.vault.liveFunc('live_shout')('hi')).toBe('HI!');
    await expect(swapper.reload()).rejects.toMatchObject({ code: ErrorCodes.STATIC_RELOAD });
    expect(swapper.current.id).toBe(1);
    await swapper.close();
  });

  it('reports a swapper without static plugins as not statically linked, and refuses an empty table', async () => {
    expect(new Swapper({ pluginDir: ws.bin, logger: false }).staticLinkingMode).toBe(false);
    await expect(new Swapper({ staticPlugins: [], logger: false }).load(undefined)).rejects.toMatchObject({ code: ErrorCodes.PLUGIN_DIR_EMPTY });
  });
});

describe('under the inspector', () => {
  it('shows plugin code with its TypeScript source map, and a breakpoint on a TypeScript line binds', async () => {
    ws.plugin('p', {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';

export default definePlugin({
  functions: {
    bark(times: number) {
      const woof = 'woof '.repeat(times); // line 6: the breakpoint
      return woof.trim();
    },
  },
});
`,
    });
    await ws.build({ debug: true });
    const session = new Session();
    session.connect();
    const scripts: Array<{ scriptId: string; url: string; sourceMapURL?: string }> = [];
    session.on('Debugger.scriptParsed', (message) => scripts.push(message.params));
    await session.post('Debugger.enable');
    const swapper = new Swapper({ pluginDir: ws.bin, logger: false });
    try {
      await swapper.load(undefined);
      const script = scripts.find((s) => s.url.includes('p.hotswap.js'));
      // Node names it after the artifact, with the version's number: file:///…/bin/p.hotswap.js%3Fhotswap=N.
      expect(script?.url).toMatch(new RegExp(`^${pathToFileURL(join(ws.bin, 'p.hotswap.js')).href.replace(/[.]/g, '\\.')}%3Fhotswap=\\d+$`));
      const mapUrl = script?.sourceMapURL ?? '';
      expect(mapUrl).toMatch(/^data:application\/json;charset=utf-8;base64,/);
      const payload = JSON.parse(Buffer.from(mapUrl.split(',')[1]!, 'base64').toString()) as SourceMapPayload;
      // Sources resolve against the script's URL to the plugin's own file.
      const sources = payload.sources.map((s) => fileURLToPath(new URL(s, script!.url)));
      expect(sources).toContain(join(ws.src, 'p', 'index.ts'));

      // What a debugger does for a breakpoint on TypeScript line 6: find the generated line that maps there, break on it.
      const { scriptSource } = await session.post('Debugger.getScriptSource', { scriptId: script!.scriptId });
      const map = new SourceMap(payload);
      const lines = scriptSource.split('\n');
      const generated = lines.findIndex((_, i) => {
        const entry = map.findEntry(i, lines[i]!.search(/\S/)) as { originalSource?: string; originalLine?: number };
        return entry.originalSource?.endsWith('p/index.ts') === true && entry.originalLine === 5;
      });
      expect(generated).toBeGreaterThanOrEqual(0);
      const breakpoint = await session.post('Debugger.setBreakpointByUrl', { url: script!.url, lineNumber: generated });
      expect(breakpoint.locations).toHaveLength(1);
      expect(breakpoint.locations[0]?.lineNumber).toBe(generated);
      await session.post('Debugger.removeBreakpoint', { breakpointId: breakpoint.breakpointId });
    } finally {
      await session.post('Debugger.disable');
      session.disconnect();
      await swapper.close();
    }
  });
});
