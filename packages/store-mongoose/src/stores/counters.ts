/**
 * Counters: `_id` is the key; `value` and `expiresAt` of the current window.
 * `increment` never reads then writes: each attempt is
 *
 * 1. `findOneAndUpdate({ _id, expiresAt > now }, { $inc: { value: 1 } })` — the
 *    common case, a live window;
 * 2. otherwise `findOneAndUpdate({ _id, expiresAt <= now }, { $set: { value: 1,
 *    expiresAt } }, { upsert: true })` — starts a new window, but only over an
 *    *expired* one (or none). If another process started the window in
 *    between, the filter no longer matches, the upsert's insert hits the
 *    duplicate `_id`, and we go back to step 1. No increment is ever lost: a
 *    reset only ever discards counts of an expired window.
 */
import { type CounterStore, TwostepError } from '@twostep/core';
import { isDate, isDuplicateKeyError, isString } from '../errors.ts';
import type { CounterDoc, StoreModels } from '../models.ts';
import { op, Q } from './common.ts';

const ATTEMPTS = 5;

export function createCounterStore({ counters }: StoreModels): CounterStore {
  return {
    async increment(key, expiresAt, now) {
      if (!isString(key) || !isDate(expiresAt) || !isDate(now)) {
        throw new TwostepError('invalid_input', 'counter key must be a string and dates valid');
      }
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const live = await counters
          .findOneAndUpdate(
            { _id: key, expiresAt: op({ $gt: now }) },
            { $inc: { value: 1 } },
            { ...Q, returnDocument: 'after' },
          )
          .lean<CounterDoc>();
        if (live !== null) return live.value;
        try {
          const fresh = await counters
            .findOneAndUpdate(
              { _id: key, expiresAt: op({ $lte: now }) },
              { $set: { value: 1, expiresAt } },
              { ...Q, upsert: true, returnDocument: 'after' },
            )
            .lean<CounterDoc>();
          if (fresh !== null) return fresh.value;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
      throw new TwostepError('store_unavailable', `counter ${key}: too much contention, gave up`);
    },
    async release(key, expiresAt) {
      if (!isString(key) || !isDate(expiresAt)) return;
      await counters.deleteOne({ _id: key, expiresAt }, Q);
    },
  };
}
