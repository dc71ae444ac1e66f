/**
 * SMS challenges: one document per (staff member, purpose), `_id`
 * `<purpose>:<staffId>`, holding the current challenge. `put` swaps the new
 * code and id into the slot in one conditional update (keeping `failures` when
 * the old challenge is live, resetting it when not), so the old id matches
 * nothing from then on and no try is lost. `takeTry` is one conditional `$inc`
 * on the slot; `consume` addresses the challenge by its `id` field (unique
 * index) with every condition in the filter.
 */
import { type SmsChallenge, type SmsChallengeStore, type SmsPurpose, TwostepError } from '@twostep/core';
import { isDate, isDuplicateKeyError, isFiniteNumber, isString } from '../errors.ts';
import type { SmsChallengeDoc, StoreModels } from '../models.ts';
import { date, dateOrNull, op, Q } from './common.ts';

const PURPOSES: readonly SmsPurpose[] = ['sign_in', 'enroll'];
const isPurpose = (value: unknown): value is SmsPurpose => PURPOSES.includes(value as SmsPurpose);
const slotId = (staffId: string, purpose: SmsPurpose): string => `${purpose}:${staffId}`;

/** A live slot swaps in a new code, or a dead one (or none) is replaced; a race between them is lost this often at most. */
const ATTEMPTS = 3;

const toChallenge = (doc: SmsChallengeDoc): SmsChallenge => ({
  id: doc.id,
  staffId: doc.staffId,
  clinicId: doc.clinicId,
  purpose: doc.purpose,
  phone: doc.phone,
  codeHash: doc.codeHash,
  sentAt: date(doc.sentAt),
  expiresAt: date(doc.expiresAt),
  failures: doc.failures,
  consumedAt: dateOrNull(doc.consumedAt),
});

export function createSmsChallengeStore({ smsChallenges }: StoreModels): SmsChallengeStore {
  return {
    async current(staffId, purpose) {
      if (!isString(staffId) || !isPurpose(purpose)) return null;
      const doc = await smsChallenges
        .findOne({ _id: slotId(staffId, purpose) }, null, Q)
        .lean<SmsChallengeDoc>();
      return doc === null ? null : toChallenge(doc);
    },
    async put(challenge) {
      const _id = slotId(challenge.staffId, challenge.purpose);
      const { failures: _ignored, ...fields } = challenge;
      const at = challenge.sentAt;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        // The old challenge is live: new code and id, same failure count (a resend keeps it).
        const kept = await smsChallenges.updateOne(
          { _id, consumedAt: null, expiresAt: op({ $gt: at }) },
          { $set: fields },
          { ...Q, runValidators: true },
        );
        if (kept.matchedCount === 1) return;
        try {
          // Consumed, expired or none: a fresh challenge. Upsert over a dead one only; a live one
          // (put by a concurrent call since) makes the insert hit the duplicate `_id`: go again.
          await smsChallenges.updateOne(
            { _id, $or: [{ consumedAt: op({ $ne: null }) }, { expiresAt: op({ $lte: at }) }] },
            { $set: { ...fields, failures: 0 } },
            { ...Q, upsert: true, runValidators: true },
          );
          return;
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
        }
      }
      throw new TwostepError('store_unavailable', 'sms challenge: too much contention, gave up');
    },
    async takeTry(staffId, purpose, now, maxFailures) {
      if (!isString(staffId) || !isPurpose(purpose) || !isDate(now) || !isFiniteNumber(maxFailures))
        return null;
      const before = await smsChallenges
        .findOneAndUpdate(
          {
            _id: slotId(staffId, purpose),
            consumedAt: null,
            expiresAt: op({ $gt: now }),
            failures: op({ $lt: maxFailures }),
          },
          { $inc: { failures: 1 } },
          { ...Q, returnDocument: 'before' },
        )
        .lean<SmsChallengeDoc>();
      return before === null ? null : toChallenge(before);
    },
    async consume(challengeId, codeHash, now) {
      if (!isString(challengeId) || !isString(codeHash) || codeHash === '' || !isDate(now)) return false;
      const result = await smsChallenges.updateOne(
        { id: challengeId, codeHash, consumedAt: null, expiresAt: op({ $gt: now }) },
        { $set: { consumedAt: now } },
        Q,
      );
      return result.modifiedCount === 1;
    },
    async remove(staffId) {
      if (!isString(staffId)) return;
      await smsChallenges.deleteMany({ staffId }, Q);
    },
  };
}
