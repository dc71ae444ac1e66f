import { type SessionRecord, type SessionStore, TwostepError } from '@twostep/core';
import { isDate, isDuplicateKeyError, isString } from '../errors.ts';
import type { SessionDoc, SessionEndDoc, StoreModels } from '../models.ts';
import { date, definedOnly, op, Q } from './common.ts';

const toSession = (doc: SessionDoc): SessionRecord => ({
  id: doc._id,
  staffId: doc.staffId,
  acr: doc.acr,
  amr: [...doc.amr],
  authTime: doc.authTime,
  createdAt: date(doc.createdAt),
  seenAt: date(doc.seenAt),
  expiresAt: date(doc.expiresAt),
});

export function createSessionStore({ sessions, sessionEnds }: StoreModels): SessionStore {
  return {
    async create(session) {
      try {
        await sessions.create({
          _id: session.id,
          staffId: session.staffId,
          acr: session.acr,
          amr: session.amr,
          authTime: session.authTime,
          createdAt: session.createdAt,
          seenAt: session.seenAt,
          expiresAt: session.expiresAt,
        });
      } catch (error) {
        if (isDuplicateKeyError(error))
          throw new TwostepError('conflict', 'session already exists', { cause: error });
        throw error;
      }
    },
    async get(id, now) {
      if (!isString(id) || !isDate(now)) return null;
      const doc = await sessions
        .findOne({ _id: id, expiresAt: op({ $gt: now }) }, null, Q)
        .lean<SessionDoc>();
      return doc === null ? null : toSession(doc);
    },
    async update(id, patch) {
      if (!isString(id)) return false;
      const { acr, amr, authTime, seenAt } = patch;
      const set = definedOnly({ acr, amr, authTime, seenAt });
      const result = await sessions.updateOne({ _id: id }, { $set: set }, Q);
      return result.matchedCount > 0;
    },
    async remove(id) {
      if (!isString(id)) return false;
      const result = await sessions.deleteOne({ _id: id }, Q);
      return result.deletedCount > 0;
    },
    async endAll(staffId, at) {
      if (!isString(staffId) || !isDate(at)) return 0;
      // First the marker (one upsert that keeps the latest instant), then the sessions: a sign-in
      // racing with this call is refused by the marker even if its session lands after the delete.
      await sessionEnds.updateOne({ _id: staffId }, { $max: { endedAt: at } }, { ...Q, upsert: true });
      const result = await sessions.deleteMany({ staffId }, Q);
      return result.deletedCount;
    },
    async endedAt(staffId) {
      if (!isString(staffId)) return null;
      const doc = await sessionEnds.findOne({ _id: staffId }, null, Q).lean<SessionEndDoc>();
      return doc === null ? null : date(doc.endedAt);
    },
  };
}
