// The swapper's log through a real pino logger writing JSON lines to a stream:
// every line carries its fields (plugin, version, build, generation, stage) as
// data; ctx.log adds the plugin's own; the built-in logger takes a level.
import { Writable } from 'node:stream';
import { Swapper } from '@hotswap/core';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { thrown } from '../helpers/errors.js';
import { workspace, type Workspace } from '../helpers/workspace.js';

interface Line {
  level: number;
  msg: string;
  plugin?: string;
  version?: string;
  build?: string;
  generation?: number;
  stage?: string;
  code?: string;
  plugins?: Array<{ plugin: string; status: string }>;
  [field: string]: unknown;
}

/** A pino logger at debug, and the JSON lines it has written. */
function jsonLogger(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

let ws: Workspace;
beforeAll(async () => {
  ws = workspace();
  ws.plugin(
    'greeter',
    {
      'index.ts': `import { definePlugin } from '@hotswap/core/plugin';
export default definePlugin({
  onLoad(ctx) { ctx.log.info('greeter loading'); ctx.log.warn({ count: 2 }, 'two of them'); },
  onFree() { throw new Error('cannot free'); },
  functions: { hi: () => 'hi' },
});`,
    },
    '1.2.0',
  );
  await ws.build({ buildStamp: 'log-1' });
});
afterAll(() => ws.cleanup());

it('writes every line of a load, a reload and a failed OnFree with its fields, through pino', async () => {
  const { logger, lines } = jsonLogger();
  const swapper = new Swapper({ pluginDir: ws.bin, logger, freeDelay: 0, leakTimeout: false });
  await swapper.load();
  // ctx.log: the plugin's message, with its name, version, build and generation added.
  expect(lines).toContainEqual(expect.objectContaining({ level: 30, msg: 'greeter loading', plugin: 'greeter', version: '1.2.0', build: 'log-1', generation: 1 }));
  expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'two of them', count: 2, plugin: 'greeter', build: 'log-1' }));
  const served = lines.find((l) => l.msg.startsWith('generation 1 serving'));
  expect(served).toMatchObject({ level: 30, generation: 1, stage: 'reload', plugins: [{ plugin: 'greeter', version: '1.2.0', build: 'log-1', status: 'loaded' }] });

  await ws.build({ buildStamp: 'log-2' });
  await swapper.reload();
  await swapper.settled();
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'greeter loading', build: 'log-2', generation: 2 }));
  expect(lines.find((l) => l.msg.startsWith('generation 2 serving'))).toMatchObject({ generation: 2, stage: 'reload' });
  // The retired version's OnFree threw: an error line naming it and the stage.
  expect(lines).toContainEqual(expect.objectContaining({ level: 50, plugin: 'greeter', version: '1.2.0', build: 'log-1', stage: 'onFree', code: 'HOTSWAP_HOOK_FAILED' }));
  await swapper.close();
});

it('writes a failed reload as an error line with the serving generation, the plugin, the stage and the code', async () => {
  const { logger, lines } = jsonLogger();
  const swapper = new Swapper({ pluginDir: ws.bin, logger, freeDelay: 0, leakTimeout: false });
  await swapper.load();
  ws.plugin('broken', { 'index.ts': `import { definePlugin } from '@hotswap/core/plugin';\nthrow new Error('broken at the top');\nexport default definePlugin({ functions: {} });` });
  await ws.build({ buildStamp: 'log-3' });
  await expect(swapper.reload()).rejects.toMatchObject({ code: 'HOTSWAP_EVALUATE_FAILED' });
  expect(lines.find((l) => l.msg.startsWith('reload failed'))).toMatchObject({ level: 50, generation: 1, plugin: 'broken', stage: 'evaluate', code: 'HOTSWAP_EVALUATE_FAILED' });
  ws.remove('broken');
  await swapper.close();
});

it('filters the built-in logger by logLevel, and writes the fields after the message', async () => {
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  };
  try {
    const quiet = new Swapper({ pluginDir: ws.bin, logLevel: 'warn', freeDelay: 0, leakTimeout: false });
    await quiet.load();
    await quiet.close();
    expect(written.filter((line) => line.includes(' info '))).toEqual([]);
    expect(written.filter((line) => line.startsWith('[hotswap] warn two of them plugin=greeter version=1.2.0'))).toHaveLength(1);
    written.length = 0;
    const chatty = new Swapper({ pluginDir: ws.bin, freeDelay: 0, leakTimeout: false });
    await chatty.load();
    await chatty.close();
  } finally {
    process.stderr.write = write;
  }
  expect(written.some((line) => /^\[hotswap\] info greeter loading plugin=greeter version=1\.2\.0 build=log-\d generation=1\n$/.test(line))).toBe(true);
  expect(written.some((line) => /^\[hotswap\] info generation 1 serving: greeter@1\.2\.0 loaded generation=1 stage=reload\n$/.test(line))).toBe(true);
});

it('refuses a logger without the four methods, an unknown logLevel, and a logLevel beside a logger', () => {
  const { logger } = jsonLogger();
  expect(thrown(() => new Swapper({ pluginDir: ws.bin, logLevel: 'loud' as 'info' })).code).toBe('HOTSWAP_INVALID_OPTION');
  expect(thrown(() => new Swapper({ pluginDir: ws.bin, logger: { info() {}, warn() {}, error() {} } as unknown as pino.Logger })).message).toMatch(/no debug method/);
  expect(thrown(() => new Swapper({ pluginDir: ws.bin, logger, logLevel: 'debug' })).code).toBe('HOTSWAP_INVALID_OPTION');
});
