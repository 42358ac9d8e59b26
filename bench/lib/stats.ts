// Small statistics helpers shared by the cases and the child processes.

/** The q-quantile (0..1) of `values`, nearest-rank on a sorted copy. NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), q);
}

/** The q-quantile of values already sorted ascending. NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** p50, p99, mean, min and max of a list of durations, in the unit they came in. */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / n;
  return {
    n,
    p50: quantile(values, 0.5),
    p99: quantile(values, 0.99),
    mean,
    // A loop, not Math.min(...values): spreading a long series overflows the stack.
    min: n === 0 ? Number.NaN : values.reduce((a, b) => (b < a ? b : a)),
    max: n === 0 ? Number.NaN : values.reduce((a, b) => (b > a ? b : a)),
  };
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Rounds to `digits` significant decimals for the JSON, keeping integers whole. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The least-squares slope of `y` over `x` (both the same length, at least two points); NaN when undefined. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? Number.NaN : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
}
