import { type ThrottleState, type ThrottleStore, TwostepError } from '@twostep/core';
import { isDate, isDuplicateKeyError, isString } from '../errors.ts';
import type { StoreModels, ThrottleDoc } from '../models.ts';
import { dateOrNull, Q } from './common.ts';

/** Upserts that lose an insert race (duplicate `_id`) are retried this often; the retry is a plain `$inc`. */
const ATTEMPTS = 3;

const toState = (doc: ThrottleDoc | null): ThrottleState => ({
  failures: doc?.failures ?? 0,
  lastFailureAt: dateOrNull(doc?.lastFailureAt),
});

export function createThrottleStore({ throttles }: StoreModels): ThrottleStore {
  return {
    async get(key) {
      if (!isString(key)) return toState(null);
      return toState(await throttles.findOne({ _id: key }, null, Q).lean<ThrottleDoc>());
    },
    async addFailure(key, now) {
      if (!isString(key) || !isDate(now))
        throw new TwostepError('invalid_input', 'throttle key must be a string');
      for (let attempt = 1; ; attempt++) {
        try {
          // One upsert with `$inc`: concurrent failures are all counted.
          const doc = await throttles
            .findOneAndUpdate(
              { _id: key },
              { $inc: { failures: 1 }, $set: { lastFailureAt: now } },
              { ...Q, upsert: true, returnDocument: 'after' },
            )
            .lean<ThrottleDoc>();
          return toState(doc);
        } catch (error) {
          if (!isDuplicateKeyError(error) || attempt >= ATTEMPTS) throw error;
        }
      }
    },
    async reset(key) {
      if (!isString(key)) return;
      await throttles.deleteOne({ _id: key }, Q);
    },
  };
}
