// Sessions 2.x: users in a Map, the name split in two, hits renamed visits.
import { definePlugin } from '@hotswap/core/plugin';
import type { HandoffContract, SessionFunctions } from '#g';

interface User {
  first: string;
  last: string;
  visits: number;
}
interface StateV2 {
  users: Map<string, User>;
}

let state: StateV2 = { users: new Map() };

function isV1(data: unknown): data is { users: Record<string, { fullName: string; hits: number }> } {
  return typeof data === 'object' && data !== null && 'users' in data && typeof data.users === 'object' && data.users !== null && !(data.users instanceof Map);
}

/** Checks that unknown data has the 2.x shape (users in a Map). */
function isV2(data: unknown): data is StateV2 {
  return typeof data === 'object' && data !== null && 'users' in data && data.users instanceof Map;
}

function split(name: string): { first: string; last: string } {
  const [first = '', ...rest] = name.split(' ');
  return { first, last: rest.join(' ') };
}

const functions: SessionFunctions = {
  visit(id, name) {
    const user = state.users.get(id) ?? { ...split(name), visits: 0 };
    user.visits++;
    state.users.set(id, user);
  },
  summary() {
    const users = [...state.users].map(([id, u]) => `${id}=${u.first}|${u.last}:${u.visits}`);
    return `shape 2.x (first, last, visits) ${users.join(' ')}`;
  },
  total: () => [...state.users.values()].reduce((sum, u) => sum + u.visits, 0),
};

export default definePlugin<HandoffContract, 'sessions'>({
  giveState: () => state,
  takeState(previous) {
    if (previous.version.startsWith('2.') && isV2(previous.state)) {
      state = previous.state;
    } else if (isV1(previous.state)) {
      // Up from 1.x: split the full name, rename hits to visits.
      state = { users: new Map() };
      for (const [id, u] of Object.entries(previous.state.users)) state.users.set(id, { ...split(u.fullName), visits: u.hits });
    } else {
      throw new TypeError(`cannot take state from sessions ${previous.version}: unknown shape`);
    }
  },
  functions,
});
