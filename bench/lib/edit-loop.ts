// The loop of the edit-to-serving case, shared by the three contenders: save
// the plugin's source file, wait until a call answers the new version.
import { now, sleep } from './proc.js';
import { roundSummary } from './memory-loop.js';
import { summarize, type Summary } from './stats.js';

export interface EditConfig {
  edits: number;
  warmup: number;
  /** Milliseconds between one edit serving and the next save, as a person editing would leave. */
  gapMs: number;
  /** An edit not serving after this long counts as missed. */
  timeoutMs: number;
  /**
   * A burst instead of one save: `saves - 1` saves of other versions `gapMs`
   * apart before the one waited for, timed from that last save (an editor's
   * auto-save, a formatter, a branch switch).
   */
  burst?: { saves: number; gapMs: number };
}

/** The versions a burst saves before edit `n`'s own: numbers no edit uses. */
export const burstVersion = (n: number, i: number): number => 100_000 * n + i;

export interface EditResult {
  contender: string;
  ms: Summary;
  /** Edits the tool never applied within the timeout. */
  missed: number;
  /** Optional split of each edit (hotswap: build and reload). */
  parts?: Record<string, Summary>;
  /** Every timed edit, in ms, and every part's: for the rounds of one contender to be summed up together. */
  raw: { times: number[]; parts: Record<string, number[]> };
}

/**
 * `edit(n)` saves version n of the source and resolves once a call answers
 * version n (or rejects on timeout); it may return named parts of its time.
 */
export async function editLoop(
  contender: string,
  cfg: EditConfig,
  edit: (n: number) => Promise<Record<string, number> | void>,
  /** Saves version n and returns at once (a burst's earlier saves). */
  save?: (n: number) => void,
): Promise<EditResult> {
  const times: number[] = [];
  const parts: Record<string, number[]> = {};
  let missed = 0;
  for (let n = 1; n <= cfg.warmup + cfg.edits; n++) {
    await sleep(cfg.gapMs);
    if (cfg.burst !== undefined && save !== undefined) {
      for (let i = 1; i < cfg.burst.saves; i++) {
        save(burstVersion(n, i));
        await sleep(cfg.burst.gapMs);
      }
    }
    const started = now();
    try {
      const split = await edit(n);
      const elapsed = now() - started;
      if (n <= cfg.warmup) continue;
      times.push(elapsed);
      for (const [k, v] of Object.entries(split ?? {})) (parts[k] ??= []).push(v);
    } catch (error) {
      if (n > cfg.warmup) missed++;
      process.stderr.write(`${contender}: edit ${n}: ${String(error)}\n`);
    }
  }
  return summed(contender, [{ times, parts }], missed);
}

/** One result from the raw edits of one or more rounds. */
export function summed(contender: string, rounds: ReadonlyArray<EditResult['raw']>, missed: number): EditResult {
  const times = rounds.flatMap((r) => r.times);
  const parts: Record<string, number[]> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.parts)) (parts[k] ??= []).push(...v);
  const result: EditResult = { contender, ms: roundSummary(summarize(times)), missed, raw: { times, parts } };
  if (Object.keys(parts).length > 0) {
    result.parts = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, roundSummary(summarize(v))]));
  }
  return result;
}
