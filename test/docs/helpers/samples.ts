// Checks one docs page's code samples: every state of its project
// type-checks, every `ts run` program exits 0 and prints its `text output`.
// The conventions are in docs/README.md ("Writing docs").
import { rmSync } from 'node:fs';
import { rel } from './markdown.js';
import { assertBuilt, locate, normalizeOutput, runProgram, tempDir, timeline, typecheck, writeProject, type PageProject } from './project.js';

const RUN_TIMEOUT_MS = 60_000;

/** Every problem of the page's samples, each starting with `page:line`; empty when all is well. */
export async function checkSamples(project: PageProject): Promise<string[]> {
  const problems: string[] = [...project.problems];
  const line = timeline(project);
  problems.push(...line.problems);
  const dir = tempDir('samples');
  try {
    // Type-check every state; a diagnostic already reported for the same block and place is not repeated.
    const seen = new Set<string>();
    for (const { state, change } of line.states) {
      writeProject(dir, state);
      for (const problem of typecheck(dir, state)) {
        const where = locate(project.page, state, problem);
        const text = `${where}: error TS${problem.code}: ${problem.message}`;
        if (seen.has(text)) continue;
        seen.add(text);
        problems.push(change === undefined ? text : `${text}\n    (after ${change.path} is changed at ${rel(project.page)}:${change.block.fence.line})`);
      }
    }
    // Run every `ts run` block in the project as the page has it at that block.
    for (const [block, state] of line.runs) {
      assertBuilt();
      writeProject(dir, state);
      const result = await runProgram(dir, block.path, RUN_TIMEOUT_MS);
      const where = `${rel(project.page)}:${block.fence.line} (ts run block ${block.n}, ${block.path})`;
      const output = `\n  stdout:\n${indent(result.stdout)}\n  stderr:\n${indent(result.stderr)}`;
      if (result.timedOut) {
        problems.push(`${where}: still running after ${RUN_TIMEOUT_MS / 1000} s; a program on a page must end by itself.${output}`);
      } else if (result.code !== 0) {
        problems.push(`${where}: exited with ${result.code ?? result.signal}, not 0.${output}`);
      } else if (block.expected !== undefined) {
        const want = normalizeOutput(block.expected.text);
        const got = normalizeOutput(result.stdout);
        if (want !== got) {
          problems.push(
            `${where}: its stdout differs from the text output block at ${rel(project.page)}:${block.expected.line}.\n` +
              `  expected:\n${indent(want)}\n  printed:\n${indent(got)}\n  stderr:\n${indent(result.stderr)}`,
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

function indent(text: string): string {
  const trimmed = text.replace(/\n+$/, '');
  return trimmed === '' ? '    (nothing)' : trimmed.split('\n').map((l) => `    ${l}`).join('\n');
}
