// Sessions 1.x: users in a plain object, each with a full name and a hit count.
import { definePlugin } from '@hotswap/core/plugin';
import type { HandoffContract, SessionFunctions } from '#g';

interface StateV1 {
  users: Record<string, { fullName: string; hits: number }>;
}

let state: StateV1 = { users: {} };

/** Checks that unknown data has the 1.x shape (users in a plain object). */
function isV1(data: unknown): data is StateV1 {
  return typeof data === 'object' && data !== null && 'users' in data && typeof data.users === 'object' && data.users !== null && !(data.users instanceof Map);
}

/** Checks that unknown data has the 2.x shape, so a bad handoff fails loudly instead of serving garbage. */
function isV2(data: unknown): data is { users: Map<string, { first: string; last: string; visits: number }> } {
  return typeof data === 'object' && data !== null && 'users' in data && data.users instanceof Map;
}

const functions: SessionFunctions = {
  visit(id, name) {
    const user = (state.users[id] ??= { fullName: name, hits: 0 });
    user.hits++;
  },
  summary() {
    const users = Object.entries(state.users).map(([id, u]) => `${id}=${u.fullName}:${u.hits}`);
    return `shape 1.x (fullName, hits) ${users.join(' ')}`;
  },
  total: () => Object.values(state.users).reduce((sum, u) => sum + u.hits, 0),
};

export default definePlugin<HandoffContract, 'sessions'>({
  giveState: () => state,
  takeState(previous) {
    if (previous.version.startsWith('1.') && isV1(previous.state)) {
      state = previous.state;
    } else if (isV2(previous.state)) {
      // Down from 2.x: join the split name, rename visits back to hits.
      state = { users: {} };
      for (const [id, u] of previous.state.users) state.users[id] = { fullName: `${u.first} ${u.last}`.trim(), hits: u.visits };
    } else {
      throw new TypeError(`cannot take state from sessions ${previous.version}: unknown shape`);
    }
  },
  functions,
});
