/**
 * SMS challenges: one document per (staff member, purpose), `_id`
 * `<purpose>:<staffId>`, holding the current challenge. `put` is one replacing
 * upsert, so the new code and id take the slot atomically and the old id
 * matches nothing from then on. `consume` and `addFailure` address the
 * challenge by its `id` field (unique index) with every condition in the filter.
 */
import type { SmsChallenge, SmsChallengeStore, SmsPurpose } from '@twostep/core';
import { isDate, isFiniteNumber, isString } from '../errors.ts';
import type { SmsChallengeDoc, StoreModels } from '../models.ts';
import { date, dateOrNull, op, Q } from './common.ts';

const PURPOSES: readonly SmsPurpose[] = ['sign_in', 'enroll'];
const isPurpose = (value: unknown): value is SmsPurpose => PURPOSES.includes(value as SmsPurpose);
const slotId = (staffId: string, purpose: SmsPurpose): string => `${purpose}:${staffId}`;

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
      await smsChallenges.replaceOne(
        { _id },
        {
          _id,
          id: challenge.id,
          staffId: challenge.staffId,
          clinicId: challenge.clinicId,
          purpose: challenge.purpose,
          phone: challenge.phone,
          codeHash: challenge.codeHash,
          sentAt: challenge.sentAt,
          expiresAt: challenge.expiresAt,
          failures: challenge.failures,
          consumedAt: challenge.consumedAt,
        },
        { ...Q, upsert: true, runValidators: true },
      );
    },
    async consume(challengeId, codeHash, now, maxFailures) {
      if (!isString(challengeId) || !isString(codeHash) || codeHash === '') return false;
      if (!isDate(now) || !isFiniteNumber(maxFailures)) return false;
      const result = await smsChallenges.updateOne(
        {
          id: challengeId,
          codeHash,
          consumedAt: null,
          expiresAt: op({ $gt: now }),
          failures: op({ $lt: maxFailures }),
        },
        { $set: { consumedAt: now } },
        Q,
      );
      return result.modifiedCount === 1;
    },
    async addFailure(challengeId) {
      if (!isString(challengeId)) return 0;
      const doc = await smsChallenges
        .findOneAndUpdate({ id: challengeId }, { $inc: { failures: 1 } }, { ...Q, returnDocument: 'after' })
        .lean<SmsChallengeDoc>();
      return doc?.failures ?? 0;
    },
    async remove(staffId) {
      if (!isString(staffId)) return;
      await smsChallenges.deleteMany({ staffId }, Q);
    },
  };
}
