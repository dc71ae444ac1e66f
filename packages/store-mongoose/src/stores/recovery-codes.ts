import { type RecoveryCodeRecord, type RecoveryCodeStore, TwostepError } from '@twostep/core';
import { isString } from '../errors.ts';
import type { RecoveryCodeDoc, StoreModels } from '../models.ts';
import { date, Q } from './common.ts';

const toRecord = (doc: RecoveryCodeDoc): RecoveryCodeRecord => ({
  staffId: doc._id,
  clinicId: doc.clinicId,
  salt: doc.salt,
  hash: doc.hash,
  createdAt: date(doc.createdAt),
});

const fields = (record: RecoveryCodeRecord) => ({
  clinicId: record.clinicId,
  salt: record.salt,
  hash: record.hash,
  createdAt: record.createdAt,
});

export function createRecoveryCodeStore({ recoveryCodes }: StoreModels): RecoveryCodeStore {
  return {
    async get(staffId) {
      if (!isString(staffId)) return null;
      const doc = await recoveryCodes.findOne({ _id: staffId }, null, Q).lean<RecoveryCodeDoc>();
      return doc === null ? null : toRecord(doc);
    },
    async set(record) {
      await recoveryCodes.replaceOne(
        { _id: record.staffId },
        { _id: record.staffId, ...fields(record) },
        {
          ...Q,
          upsert: true,
          runValidators: true,
        },
      );
    },
    async replace(staffId, expectedHash, next) {
      if (next.staffId !== staffId) {
        throw new TwostepError('invalid_input', 'the next recovery code belongs to another staff member');
      }
      if (!isString(staffId) || !isString(expectedHash) || expectedHash === '') return false;
      // One conditional update: only the caller that still sees `expectedHash` matches.
      const result = await recoveryCodes.updateOne(
        { _id: staffId, hash: expectedHash },
        { $set: fields(next) },
        { ...Q, runValidators: true },
      );
      return result.matchedCount === 1;
    },
    async remove(staffId) {
      if (!isString(staffId)) return;
      await recoveryCodes.deleteOne({ _id: staffId }, Q);
    },
  };
}
