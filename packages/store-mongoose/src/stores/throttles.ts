/**
 * Throttles: `_id` is the key; `failures` and `lastFailureAt`. `take` is one
 * conditional `findOneAndUpdate` whose filter is "the gate is open now" (the
 * open windows of core's back-off rules) and whose update counts the attempt,
 * as an upsert so a missing document is created with it. A duplicate `_id`
 * means the document exists and the gate is closed, or another process created
 * it first: the update is tried once more without inserting.
 */
import { type ThrottleState, type ThrottleStore, throttleOpenWindows, TwostepError } from '@twostep/core';
import { isDate, isDuplicateKeyError, isString } from '../errors.ts';
import type { StoreModels, ThrottleDoc } from '../models.ts';
import { dateOrNull, op, Q } from './common.ts';

const toState = (doc: ThrottleDoc | null): ThrottleState => ({
  failures: doc?.failures ?? 0,
  lastFailureAt: dateOrNull(doc?.lastFailureAt),
});

export function createThrottleStore({ throttles }: StoreModels): ThrottleStore {
  const read = async (key: string) =>
    toState(await throttles.findOne({ _id: key }, null, Q).lean<ThrottleDoc>());
  return {
    async get(key) {
      if (!isString(key)) return toState(null);
      return read(key);
    },
    async take(key, now, rules) {
      if (!isString(key) || !isDate(now))
        throw new TwostepError('invalid_input', 'throttle key must be a string');
      const open = throttleOpenWindows(rules, now).map(({ from, to, lastFailureBy }) => ({
        failures: op({ $gte: from, $lte: to }),
        ...(lastFailureBy ? { lastFailureAt: op({ $lte: lastFailureBy }) } : {}),
      }));
      if (open.length === 0) return { taken: false, state: await read(key) };
      const filter = { _id: key, $or: open };
      const count = { $inc: { failures: 1 }, $set: { lastFailureAt: now } };
      try {
        // No document yet: the upsert creates it with this first failure (`before` is then null).
        const before = await throttles
          .findOneAndUpdate(filter, count, { ...Q, upsert: true, returnDocument: 'before' })
          .lean<ThrottleDoc>();
        return { taken: true, before: toState(before) };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // The document exists and the gate was closed, or a concurrent first attempt had just
      // created it: once more, without inserting.
      const before = await throttles
        .findOneAndUpdate(filter, count, { ...Q, returnDocument: 'before' })
        .lean<ThrottleDoc>();
      return before === null
        ? { taken: false, state: await read(key) }
        : { taken: true, before: toState(before) };
    },
    async giveBack(key, before, now) {
      if (!isString(key) || !isDate(now)) return;
      const restored = await throttles.updateOne(
        { _id: key, failures: before.failures + 1, lastFailureAt: now },
        { $set: { failures: before.failures, lastFailureAt: before.lastFailureAt } },
        Q,
      );
      if (restored.modifiedCount === 1) return;
      await throttles.updateOne({ _id: key, failures: op({ $gt: 0 }) }, { $inc: { failures: -1 } }, Q);
    },
    async reset(key) {
      if (!isString(key)) return;
      await throttles.deleteOne({ _id: key }, Q);
    },
  };
}
