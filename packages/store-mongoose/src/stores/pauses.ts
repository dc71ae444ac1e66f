import type { Pause, PauseStore } from '@twostep/core';
import { isString } from '../errors.ts';
import type { PauseDoc, StoreModels } from '../models.ts';
import { date, Q } from './common.ts';

const toPause = (doc: PauseDoc): Pause => ({
  staffId: doc._id,
  clinicId: doc.clinicId,
  until: date(doc.until),
  reason: doc.reason,
  pausedBy: doc.pausedBy,
  createdAt: date(doc.createdAt),
});

export function createPauseStore({ pauses }: StoreModels): PauseStore {
  return {
    async get(staffId) {
      if (!isString(staffId)) return null;
      const doc = await pauses.findOne({ _id: staffId }, null, Q).lean<PauseDoc>();
      return doc === null ? null : toPause(doc);
    },
    async set(pause) {
      await pauses.replaceOne(
        { _id: pause.staffId },
        {
          _id: pause.staffId,
          clinicId: pause.clinicId,
          until: pause.until,
          reason: pause.reason,
          pausedBy: pause.pausedBy,
          createdAt: pause.createdAt,
        },
        { ...Q, upsert: true, runValidators: true },
      );
    },
    async clear(staffId) {
      if (!isString(staffId)) return false;
      const result = await pauses.deleteOne({ _id: staffId }, Q);
      return result.deletedCount > 0;
    },
  };
}
