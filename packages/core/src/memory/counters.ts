import type { CounterStore } from '../ports.ts';
import { isExpired } from './util.ts';

/** Expired counters are swept after this many increments, so the map stays bounded. */
const SWEEP_EVERY = 1000;

export function createMemoryCounterStore(): CounterStore {
  const counters = new Map<string, { value: number; expiresAt: Date }>();
  let sinceSweep = 0;
  return {
    async increment(key, expiresAt, now) {
      if (++sinceSweep >= SWEEP_EVERY) {
        sinceSweep = 0;
        for (const [k, counter] of counters) if (isExpired(counter.expiresAt, now)) counters.delete(k);
      }
      const counter = counters.get(key);
      if (counter === undefined || isExpired(counter.expiresAt, now)) {
        counters.set(key, { value: 1, expiresAt: new Date(expiresAt) });
        return 1;
      }
      counter.value += 1;
      return counter.value;
    },
    async release(key, expiresAt) {
      if (counters.get(key)?.expiresAt.getTime() === expiresAt.getTime()) counters.delete(key);
    },
  };
}
