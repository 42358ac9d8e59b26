import type { ClusterStatus, SwapperStatus } from '@hotswap/core';

// What GET /status answered is JSON from another process, of whatever version: before a table is made of it,
// every field the table reads is checked, so a shape this CLI does not know is told apart, never a TypeError.

type Guard = (value: unknown) => boolean;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString: Guard = (value) => typeof value === 'string';
const isNumber: Guard = (value) => typeof value === 'number' && Number.isFinite(value);
const isBoolean: Guard = (value) => typeof value === 'boolean';
/** Milliseconds since the epoch that a Date can show (`toISOString` throws beyond ±8.64e15). */
const isTime: Guard = (value) => typeof value === 'number' && Math.abs(value) <= 8.64e15;
const optional =
  (guard: Guard): Guard =>
  (value) =>
    value === undefined || guard(value);
const arrayOf =
  (guard: Guard): Guard =>
  (value) =>
    Array.isArray(value) && value.every(guard);
/** An object whose fields named in `fields` pass their guards; the fields the tables read, not every field of `T`. */
const shaped =
  <T>(fields: { [K in keyof T]?: Guard }): ((value: unknown) => value is T) =>
  (value: unknown): value is T =>
    isRecord(value) && Object.entries(fields).every(([key, guard]) => (guard as Guard)(value[key]));

const version = shaped({ plugin: isString, version: isString, buildStamp: isString, inflight: optional(isNumber), freedAt: optional(isTime) });
const pluginLine = shaped({ name: isString, version: isString, status: isString });
const record = shaped({
  generation: isNumber,
  kind: optional(isString),
  outcome: isString,
  at: isTime,
  durationMs: isNumber,
  plugins: optional(arrayOf(pluginLine)),
  unchanged: optional(isNumber),
  error: optional(shaped({ code: isString, plugin: optional(isString) })),
});

/** Whether `status` is a swapper's (`swapper.status()`), as far as `statusTable` reads it. */
export const isSwapperStatus = shaped<SwapperStatus>({
  generation: optional(isNumber),
  reloadCount: isNumber,
  collected: isNumber,
  serving: arrayOf(version),
  retiring: arrayOf(version),
  freed: arrayOf(version),
  leaked: arrayOf(version),
  history: arrayOf(record),
});

const snapshot = shaped({ calls: isNumber, errors: isNumber, errorRate: isNumber, p50Ms: isNumber, p99Ms: isNumber });
const sides = shaped({ canary: snapshot, baseline: snapshot });
const canary = shaped({
  state: isString,
  generation: isNumber,
  release: isString,
  baseline: optional(isString),
  weight: isNumber,
  by: isString,
  elapsedMs: isNumber,
  counts: sides,
  workers: arrayOf(shaped({ worker: isNumber, state: isString, counts: sides })),
  verdict: shaped({ verdict: isString, reasons: arrayOf(isString) }),
  decidedBy: optional(isString),
});
const workerReport = shaped({
  worker: isNumber,
  outcome: isString,
  generation: optional(isNumber),
  plugins: optional(arrayOf(pluginLine)),
  error: optional(shaped({ code: isString, message: isString })),
});
const lastReload: Guard = (value) =>
  isRecord(value) && value['ok'] === true
    ? shaped({ at: isTime, result: shaped({ release: isString, generation: isNumber, durationMs: isNumber, skewMs: isNumber, workers: arrayOf(workerReport) }) })(value)
    : shaped({ ok: (ok) => ok === false, at: isTime, code: isString, message: isString })(value);

/** Whether `status` is a cluster coordinator's (`coordinator.status()`), as far as `clusterTable` reads it. */
export const isClusterStatus = shaped<ClusterStatus>({
  committed: optional(shaped({ id: isString, dir: isString })),
  workers: arrayOf(isNumber),
  reloadCount: isNumber,
  reloading: isBoolean,
  canary: optional(canary),
  lastReload: optional(lastReload),
});

/** The top-level fields of what was answered, for a message: `serving, history, …`, or what it is when not an object. */
export function fieldsOf(value: unknown): string {
  if (!isRecord(value)) return `not an object but ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`;
  const keys = Object.keys(value);
  if (keys.length === 0) return 'an object with no fields';
  return `fields ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`;
}
