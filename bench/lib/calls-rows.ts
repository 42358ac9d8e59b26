// The rows of the call-overhead case, shared by its parent and child sides.

/** The rows, each measured in a fresh process so no call path's type feedback colours another's. */
export const EACH = 'invokeEach (10 plugins)';
export const ROWS = [
  'direct',
  'handle.invoke',
  'handle.fn',
  'generation.invoke',
  'live function (held)',
  'live function (vault.liveFunc per call)',
  EACH,
];
