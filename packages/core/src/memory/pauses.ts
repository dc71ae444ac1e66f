import type { PauseStore } from '../ports.ts';
import type { Pause } from '../types.ts';
import { copy } from './util.ts';

export function createMemoryPauseStore(): PauseStore {
  const pauses = new Map<string, Pause>();
  return {
    async get(staffId) {
      const pause = pauses.get(staffId);
      return pause === undefined ? null : copy(pause);
    },
    async set(pause) {
      pauses.set(pause.staffId, copy(pause));
    },
    async clear(staffId) {
      return pauses.delete(staffId);
    },
  };
}
