import {
  type AuditEvent,
  type AuditEventType,
  type AuditFilter,
  type AuditStore,
  TwostepError,
} from '@twostep/core';
import type { QueryFilter } from 'mongoose';
import { duplicateKeyPattern, isDate, isDuplicateKeyError, isFiniteNumber, isString } from '../errors.ts';
import type { AuditEventDoc, AuditHeadDoc, StoreModels } from '../models.ts';
import { date, op, Q } from './common.ts';

const toEvent = (doc: AuditEventDoc): AuditEvent => ({
  id: doc._id,
  clinicId: doc.clinicId,
  seq: doc.seq,
  type: doc.type as AuditEventType,
  actorId: doc.actorId ?? null,
  targetId: doc.targetId ?? null,
  at: date(doc.at),
  ip: doc.ip ?? null,
  userAgent: doc.userAgent ?? null,
  details: { ...(doc.details ?? {}) },
  prevHash: doc.prevHash ?? '',
  hash: doc.hash,
});

function listFilter(clinicId: string, query: AuditFilter): QueryFilter<AuditEventDoc> {
  const filter: QueryFilter<AuditEventDoc> = { clinicId };
  const { actorOrTargetId, types, from, to, afterSeq } = query;
  if (actorOrTargetId !== undefined) {
    if (!isString(actorOrTargetId))
      throw new TwostepError('invalid_input', 'actorOrTargetId must be a string');
    filter.$or = [{ actorId: actorOrTargetId }, { targetId: actorOrTargetId }];
  }
  if (types !== undefined) {
    if (!Array.isArray(types) || !types.every(isString)) {
      throw new TwostepError('invalid_input', 'types must be strings');
    }
    filter.type = op({ $in: [...types] });
  }
  const at: { $gte?: Date; $lte?: Date } = {};
  if (from !== undefined) {
    if (!isDate(from)) throw new TwostepError('invalid_input', 'from must be a date');
    at.$gte = from;
  }
  if (to !== undefined) {
    if (!isDate(to)) throw new TwostepError('invalid_input', 'to must be a date');
    at.$lte = to;
  }
  if (from !== undefined || to !== undefined) filter.at = op(at);
  if (afterSeq !== undefined) {
    if (!isFiniteNumber(afterSeq)) throw new TwostepError('invalid_input', 'afterSeq must be a number');
    filter.seq = op({ $gt: afterSeq });
  }
  return filter;
}

export function createAuditStore({ audit, auditHeads }: StoreModels): AuditStore {
  /**
   * Moves the clinic's head forward to (seq, hash): one conditional update, never back. An upsert
   * that finds a head at or past `seq` collides on `_id`: someone moved it further already.
   */
  async function advance(clinicId: string, seq: number, hash: string): Promise<void> {
    try {
      await auditHeads.updateOne(
        { _id: clinicId, seq: op({ $lt: seq }) },
        { $set: { seq, hash } },
        {
          ...Q,
          upsert: true,
        },
      );
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  return {
    async head(clinicId) {
      if (!isString(clinicId)) return null;
      const head = await auditHeads.findOne({ _id: clinicId }, null, Q).lean<AuditHeadDoc>();
      if (head !== null) return { seq: head.seq, hash: head.hash };
      // No head yet: a clinic without events, or a log written before heads existed (found once
      // by the old sorted query, then kept).
      const last = await audit.findOne({ clinicId }, null, Q).sort({ seq: -1 }).lean<AuditEventDoc>();
      if (last === null) return null;
      await advance(clinicId, last.seq, last.hash);
      return { seq: last.seq, hash: last.hash };
    },
    async append(event) {
      try {
        // A plain insert; the unique (clinicId, seq) index picks one winner.
        await audit.create({
          _id: event.id,
          clinicId: event.clinicId,
          seq: event.seq,
          type: event.type,
          actorId: event.actorId,
          targetId: event.targetId,
          at: event.at,
          ip: event.ip,
          userAgent: event.userAgent,
          details: { ...event.details },
          prevHash: event.prevHash,
          hash: event.hash,
        });
        await advance(event.clinicId, event.seq, event.hash);
        return true;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // MongoDB names the index; FerretDB does not, so look whether the seq is taken.
        const pattern = duplicateKeyPattern(error);
        const seqTaken =
          pattern === undefined
            ? (await audit.exists({ clinicId: event.clinicId, seq: event.seq }).setOptions(Q)) !== null
            : 'seq' in pattern;
        if (seqTaken) {
          // Another writer took the seq — or a writer stopped between its insert and moving the
          // head, which then lags: move it to the event that holds the seq, so the retry goes on.
          const taken = await audit
            .findOne({ clinicId: event.clinicId, seq: event.seq }, null, Q)
            .lean<AuditEventDoc>();
          if (taken) await advance(taken.clinicId, taken.seq, taken.hash);
          return false;
        }
        throw new TwostepError('conflict', `audit event ${event.id} already exists`, { cause: error });
      }
    },
    async list(clinicId, query = {}) {
      if (!isString(clinicId)) return [];
      const limit = query.limit === undefined ? undefined : Math.max(0, Math.trunc(query.limit));
      if (limit === 0) return [];
      const q = audit
        .find(listFilter(clinicId, query), null, Q)
        .sort({ seq: query.order === 'desc' ? -1 : 1 });
      if (limit !== undefined) q.limit(limit);
      return (await q.lean<AuditEventDoc[]>()).map(toEvent);
    },
    async exists(clinicId, filter = {}) {
      if (!isString(clinicId)) return false;
      // No sort: the database stops at the first match (an index on MongoDB, the scan on FerretDB).
      return (await audit.exists(listFilter(clinicId, filter)).setOptions(Q)) !== null;
    },
  };
}
