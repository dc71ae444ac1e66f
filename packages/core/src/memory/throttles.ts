import type { ThrottleStore } from '../ports.ts';
import { throttleStatus } from '../throttle.ts';
import type { ThrottleState } from '../types.ts';
import { copy } from './util.ts';

const NONE: ThrottleState = { failures: 0, lastFailureAt: null };

export function createMemoryThrottleStore(): ThrottleStore {
  const states = new Map<string, ThrottleState>();
  return {
    async get(key) {
      return copy(states.get(key) ?? NONE);
    },
    // No await between the check and the write: one step, as the port asks.
    async take(key, now, rules) {
      const before = states.get(key) ?? NONE;
      if (throttleStatus(before, now, rules).kind !== 'open') return { taken: false, state: copy(before) };
      states.set(key, { failures: before.failures + 1, lastFailureAt: new Date(now) });
      return { taken: true, before: copy(before) };
    },
    async giveBack(key, before, now) {
      const state = states.get(key);
      if (state === undefined || state.failures === 0) return;
      const untouched =
        state.failures === before.failures + 1 && state.lastFailureAt?.getTime() === now.getTime();
      states.set(key, untouched ? copy(before) : { ...state, failures: state.failures - 1 });
    },
    async reset(key) {
      states.delete(key);
    },
  };
}
