// The rows of the canary case, shared by its parent and child sides.

export interface CanaryConfig {
  row: string;
  calls: number;
  rounds: number;
}

export interface CanaryRow {
  key: string;
  /** ns per call. */
  ns: number;
  /** Calls the canary counted while the row ran (0 when none runs). */
  counted: number;
}

export const CANARY_ROWS = [
  'direct',
  'handle.invoke, no canary',
  'handle.invoke, canary running',
  'handle.invoke, after a plain reload',
  'handle.invoke, after a promoted canary',
  'current.invoke, no canary',
  'current.invoke, canary running',
];
