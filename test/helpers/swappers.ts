// The fixture of the in-process suites: a fresh workspace and hook log per
// test, swappers that log to it (shared module `test-log`), all closed after.
import { Swapper, type SwapperOptions } from '@hotswap/core';
import { afterEach, beforeEach } from 'vitest';
import { workspace, type Workspace } from './workspace.js';

export interface SwapperSuite {
  /** This test's workspace. */
  readonly ws: Workspace;
  /** What this test's plugins logged through `test-log`. */
  readonly log: string[];
  /** A swapper on `ws.bin`, quiet, with no free delay; closed after the test. */
  swapper(options?: Partial<SwapperOptions>): Swapper;
}

/** Registers the hooks that make and clean up each test's workspace and swappers. */
export function swapperSuite(): SwapperSuite {
  let ws: Workspace | undefined;
  let log: string[] = [];
  const swappers: Swapper[] = [];
  beforeEach(() => {
    ws = workspace();
    log = [];
  });
  afterEach(async () => {
    await Promise.all(swappers.splice(0).map((s) => s.close().catch(() => undefined)));
    ws?.cleanup();
  });
  const current = (): Workspace => {
    if (ws === undefined) throw new Error('the workspace exists only inside a test');
    return ws;
  };
  return {
    get ws() {
      return current();
    },
    get log() {
      return log;
    },
    swapper(options = {}) {
      const s = new Swapper({ pluginDir: current().bin, shared: { 'test-log': { log } }, logger: false, freeDelay: 0, ...options });
      swappers.push(s);
      return s;
    },
  };
}
