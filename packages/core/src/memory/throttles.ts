import type { ThrottleStore } from '../ports.ts';
import type { ThrottleState } from '../types.ts';
import { copy } from './util.ts';

export function createMemoryThrottleStore(): ThrottleStore {
  const states = new Map<string, ThrottleState>();
  return {
    async get(key) {
      const state = states.get(key);
      return state === undefined ? { failures: 0, lastFailureAt: null } : copy(state);
    },
    async addFailure(key, now) {
      const state = { failures: (states.get(key)?.failures ?? 0) + 1, lastFailureAt: new Date(now) };
      states.set(key, state);
      return copy(state);
    },
    async reset(key) {
      states.delete(key);
    },
  };
}
