// The API reference generates without a warning.
//
// Runs TypeDoc with the repository's typedoc.json (both packages, their
// exported symbols, TSDoc validation: notExported, invalidLink, invalidPath,
// notDocumented for exported declarations) into a temporary directory, with
// --treatWarningsAsErrors. TypeDoc stops at the first phase that warns, so on
// failure it runs again without that flag to list every warning at once.
// `pnpm docs:api` writes the same reference into docs/reference/api/.
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './helpers/markdown.js';
import { assertBuilt, childEnv, tempDir } from './helpers/project.js';

interface TypedocRun {
  code: number | null;
  output: string;
  /** Every `[warning]` and `[error]` line but the closing count. */
  complaints: string[];
}

function typedoc(out: string, ...flags: string[]): Promise<TypedocRun> {
  const bin = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
  return new Promise((done) => {
    execFile(process.execPath, [bin, '--out', out, ...flags], { cwd: ROOT, env: childEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
      const complaints = output
        .split('\n')
        .filter((l) => /^\[(warning|error)\]/.test(l) && !/^\[(warning|error)\] Found \d+ errors? and \d+ warnings?$/.test(l));
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
      done({ code, output, complaints });
    });
  });
}

describe('API reference', () => {
  test('TypeDoc documents both packages without a warning', async () => {
    // The CLI package is documented against the core's declarations, so the core must be built.
    assertBuilt();
    const out = tempDir('typedoc');
    try {
      const strict = await typedoc(out, '--treatWarningsAsErrors');
      if (strict.code === 0 && strict.complaints.length === 0) {
        expect(existsSync(join(out, 'index.html')), 'TypeDoc reported success but wrote no index.html').toBe(true);
        return;
      }
      const full = await typedoc(join(out, 'all'));
      const complaints = full.complaints.length > 0 ? full.complaints : strict.complaints;
      throw new Error(
        complaints.length > 0
          ? `TypeDoc reports ${complaints.length} warning(s) (fix the TSDoc in packages/*/src, or the options in typedoc.json):\n${complaints.join('\n')}\n`
          : `TypeDoc exited with ${strict.code} without a warning; its output:\n${strict.output}`,
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
