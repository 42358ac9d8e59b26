// The first half of a teardown on its own: aborts inside one bounded run, then onRetire teardowns, each isolated.
import { ErrorCodes } from '@hotswap/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thrown } from '../../../test/helpers/errors.js';
import { tearDown } from '../src/version/teardown.js';
import type { PluginVersion, TeardownStage } from '../src/version/version.js';
import { makeVersion, recordingRunner, sleep, tick } from './helpers/versions.js';

let escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeEach(() => {
  escaped = [];
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterEach(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

interface Report {
  plugin: string;
  stage: TeardownStage;
  code: string | undefined;
  message: string;
}

function versions(names: string[]): { list: PluginVersion[]; reports: Report[] } {
  const reports: Report[] = [];
  const list = names.map((name) =>
    makeVersion(name, {}, {
      onTeardownFailure: (v, stage, error) =>
        reports.push({ plugin: v.name, stage, code: (error as { code?: string }).code, message: (error as Error).message }),
    }),
  );
  return { list, reports };
}

const abort = (v: PluginVersion): void => v.abort('torn down');

describe('tearDown', () => {
  it('runs onRetire teardowns last registered first, after every signal is aborted', async () => {
    const { list, reports } = versions(['a', 'b']);
    const { runner, events } = recordingRunner();
    const log: string[] = [];
    const [a, b] = list as [PluginVersion, PluginVersion];
    a.signal.addEventListener('abort', () => log.push('a aborted'));
    b.signal.addEventListener('abort', () => log.push('b aborted'));
    a.context.onRetire(() => log.push('a first'));
    a.context.onRetire(async () => {
      await tick();
      log.push('a second');
    });
    b.context.onRetire(() => log.push('b only'));
    await tearDown(list, runner, abort);
    expect(log).toEqual(['a aborted', 'b aborted', 'a second', 'a first', 'b only']);
    expect(reports).toEqual([]);
    expect(events.map((e) => `${e.plugin}:${e.stage}:${e.ok}`)).toEqual(['a:onRetire:true', 'a:onRetire:true', 'b:onRetire:true']);
    // Each teardown runs once: a second teardown finds none left.
    await tearDown(list, runner, abort);
    expect(log).toHaveLength(5);
  });

  it('isolates a teardown that throws, rejects or never settles, reporting each as TEARDOWN_FAILED', async () => {
    const { list, reports } = versions(['p']);
    const { runner } = recordingRunner({ timeoutMs: 30 });
    const p = list[0]!;
    const log: string[] = [];
    p.context.onRetire(() => log.push('first registered, runs last'));
    p.context.onRetire(() => new Promise(() => {}));
    p.context.onRetire(() => Promise.reject(new Error('rejected')));
    p.context.onRetire(() => {
      throw new Error('thrown');
    });
    await tearDown(list, runner, abort);
    expect(log).toEqual(['first registered, runs last']);
    expect(reports.map((r) => [r.plugin, r.stage, r.code])).toEqual([
      ['p', 'onRetire', ErrorCodes.TEARDOWN_FAILED],
      ['p', 'onRetire', ErrorCodes.TEARDOWN_FAILED],
      ['p', 'onRetire', ErrorCodes.TEARDOWN_FAILED],
    ]);
    expect(reports[0]!.message).toContain('thrown');
    expect(reports[1]!.message).toContain('rejected');
    expect(reports[2]!.message).toContain('did not finish within 30 ms');
    await sleep(5);
    expect(escaped).toEqual([]);
  });

  it('interrupts an abort listener that loops forever, reports it, and still aborts the other versions', async () => {
    const { list, reports } = versions(['a', 'loop', 'z']);
    const { runner } = recordingRunner({ timeoutMs: 40 });
    const log: string[] = [];
    list[1]!.signal.addEventListener('abort', () => {
      for (;;) {
        // Endless.
      }
    });
    list[2]!.signal.addEventListener('abort', () => log.push('z aborted'));
    list[2]!.context.onRetire(() => log.push('z teardown'));
    await tearDown(list, runner, abort);
    expect(list.map((v) => v.signal.aborted)).toEqual([true, true, true]);
    expect(log).toEqual(['z aborted', 'z teardown']);
    expect(reports.map((r) => [r.plugin, r.stage, r.code])).toEqual([['loop', 'abort', ErrorCodes.TEARDOWN_FAILED]]);
    expect(reports[0]!.message).toContain('was interrupted');
  });

  it('reports what the step itself throws for one version and goes on with the next', async () => {
    const { list, reports } = versions(['a', 'b']);
    const { runner } = recordingRunner();
    const stepped: string[] = [];
    await tearDown(list, runner, (v) => {
      stepped.push(v.name);
      if (v.name === 'a') throw new Error('step broke');
    });
    expect(stepped).toEqual(['a', 'b']);
    expect(reports).toEqual([{ plugin: 'a', stage: 'abort', code: undefined, message: 'step broke' }]);
  });

  it('refuses an onRetire that is not a function', () => {
    const v = makeVersion('p');
    expect(thrown(() => v.context.onRetire(42 as unknown as () => void))).toMatchObject({
      code: ErrorCodes.INVALID_OPTION,
      message: 'plugin "p": ctx.onRetire needs a function, got number.',
    });
  });
});
