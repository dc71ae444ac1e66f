/**
 * Factors: one document per (staff member, kind), `_id` `<kind>:<staffId>`,
 * with two slots, `pending` and `active`. The "at most one of each (kind,
 * status)" rule is structural, and every method is one single-document
 * operation:
 *
 * - `savePending`: upsert that overwrites the `pending` slot.
 * - `activate`: `updateOne({ _id, 'pending.id': pendingId }, { $rename: { pending: 'active' }, $set: … })`.
 *   The rename moves the pending factor into the active slot, replacing the old
 *   active one, in one atomic step; a stale, replaced or already confirmed id
 *   matches nothing. (With one document per factor and a unique
 *   (staffId, kind, status) index this would need two writes — delete the old
 *   active, then flip pending → active — with a window where the staff member
 *   has no active factor, and a stale call could delete a working factor.)
 * - `acceptTotpStep`: `updateOne` with the active factor's id and
 *   `activeLastStep` null or below `step` in the filter.
 *
 * The active factor's `confirmedAt` and `lastStep` live beside the slot
 * (`activeConfirmedAt`, `activeLastStep`) because one update cannot `$rename`
 * into `active` and `$set` inside it.
 *
 * Passkeys (several per person) live in the `passkeys` collection, one document
 * per credential with the credential id as `_id`: a second registration of the
 * same credential is a duplicate key, and a use is one `updateOne` conditional on
 * the stored counter.
 */
import type { FactorKind, FactorStore, StoredFactor, StoredPasskey } from '@twostep/core';
import { FACTOR_KINDS } from '@twostep/core';
import { isBoolean, isDate, isDuplicateKeyError, isFiniteNumber, isString } from '../errors.ts';
import type { FactorBodyDoc, FactorSlotDoc, PasskeyDoc, StoreModels } from '../models.ts';
import { date, dateOrNull, op, Q } from './common.ts';

const KINDS = Object.keys(FACTOR_KINDS) as FactorKind[];
const isKind = (value: unknown): value is FactorKind => KINDS.includes(value as FactorKind);

export const factorSlotId = (staffId: string, kind: FactorKind): string => `${kind}:${staffId}`;

function toFactor(
  staffId: string,
  body: FactorBodyDoc,
  status: 'pending' | 'active',
  confirmedAt: Date | null,
  lastStep: number | null,
): StoredFactor {
  const common = {
    id: body.id,
    createdAt: date(body.createdAt),
    staffId,
    clinicId: body.clinicId,
    status,
    confirmedAt: dateOrNull(confirmedAt),
  };
  return body.kind === 'totp'
    ? { ...common, kind: 'totp', secret: body.secret ?? '', lastStep }
    : { ...common, kind: 'sms', phone: body.phone ?? '' };
}

function toPasskey(doc: PasskeyDoc): StoredPasskey {
  return {
    id: doc.id,
    kind: 'passkey',
    name: doc.name,
    credentialId: doc._id,
    publicKey: doc.publicKey,
    counter: doc.counter,
    transports: [...doc.transports],
    backupEligible: doc.backupEligible,
    backupState: doc.backupState,
    lastUsedAt: dateOrNull(doc.lastUsedAt),
    createdAt: date(doc.createdAt),
    staffId: doc.staffId,
    clinicId: doc.clinicId,
    status: 'active',
    confirmedAt: dateOrNull(doc.confirmedAt),
  };
}

function fromSlot(doc: FactorSlotDoc): StoredFactor[] {
  const result: StoredFactor[] = [];
  if (doc.active) {
    result.push(
      toFactor(doc.staffId, doc.active, 'active', doc.activeConfirmedAt, doc.activeLastStep ?? null),
    );
  }
  if (doc.pending) {
    const { pending } = doc;
    result.push(
      toFactor(doc.staffId, pending, 'pending', pending.confirmedAt ?? null, pending.lastStep ?? null),
    );
  }
  return result;
}

function toBody(factor: Exclude<StoredFactor, StoredPasskey>): FactorBodyDoc {
  return factor.kind === 'totp'
    ? {
        id: factor.id,
        clinicId: factor.clinicId,
        kind: 'totp',
        secret: factor.secret,
        phone: null,
        lastStep: factor.lastStep,
        createdAt: factor.createdAt,
        confirmedAt: factor.confirmedAt,
      }
    : {
        id: factor.id,
        clinicId: factor.clinicId,
        kind: 'sms',
        secret: null,
        phone: factor.phone,
        lastStep: null,
        createdAt: factor.createdAt,
        confirmedAt: factor.confirmedAt,
      };
}

export function createFactorStore({ factors, passkeys }: StoreModels): FactorStore {
  return {
    async list(staffId) {
      if (!isString(staffId)) return [];
      const [docs, keys] = await Promise.all([
        factors.find({ staffId }, null, Q).sort({ _id: 1 }).lean<FactorSlotDoc[]>(),
        passkeys.find({ staffId }, null, Q).sort({ createdAt: 1, id: 1 }).lean<PasskeyDoc[]>(),
      ]);
      return [...docs.flatMap(fromSlot), ...keys.map(toPasskey)];
    },
    async savePending(factor) {
      if (factor.kind === 'passkey') throw new TypeError('savePending: a passkey is stored by addPasskey');
      // One upsert: the new pending factor replaces any pending one of its kind.
      await factors.updateOne(
        { _id: factorSlotId(factor.staffId, factor.kind) },
        {
          $set: { pending: toBody({ ...factor, status: 'pending' }) },
          $setOnInsert: {
            staffId: factor.staffId,
            kind: factor.kind,
            activeConfirmedAt: null,
            activeLastStep: null,
          },
        },
        { ...Q, upsert: true, runValidators: true },
      );
    },
    async activate(staffId, kind, pendingId, now, lastStep) {
      if (!isString(staffId) || !isKind(kind) || !isString(pendingId) || !isDate(now)) return false;
      const result = await factors.updateOne(
        { _id: factorSlotId(staffId, kind), staffId, 'pending.id': pendingId },
        {
          $rename: { pending: 'active' },
          $set: {
            activeConfirmedAt: now,
            activeLastStep: kind === 'totp' && isFiniteNumber(lastStep) ? lastStep : null,
          },
        },
        Q,
      );
      return result.modifiedCount === 1;
    },
    async acceptTotpStep(staffId, factorId, step) {
      if (!isString(staffId) || !isString(factorId) || !isFiniteNumber(step)) return false;
      const result = await factors.updateOne(
        {
          _id: factorSlotId(staffId, 'totp'),
          'active.id': factorId,
          $or: [{ activeLastStep: null }, { activeLastStep: op({ $lt: step }) }],
        },
        { $set: { activeLastStep: step } },
        Q,
      );
      return result.modifiedCount === 1;
    },
    async remove(staffId, kind) {
      if (!isString(staffId) || !isKind(kind)) return false;
      const result =
        kind === 'passkey'
          ? await passkeys.deleteMany({ staffId }, Q)
          : await factors.deleteOne({ _id: factorSlotId(staffId, kind) }, Q);
      return result.deletedCount > 0;
    },
    async removeOne(staffId, factorId) {
      if (!isString(staffId) || !isString(factorId)) return false;
      if ((await passkeys.deleteOne({ staffId, id: factorId }, Q)).deletedCount > 0) return true;
      // A kind held once: drop its slot when the factor fills it (active or pending).
      const result = await factors.deleteOne(
        { staffId, $or: [{ 'active.id': factorId }, { 'pending.id': factorId }] },
        Q,
      );
      return result.deletedCount > 0;
    },
    async addPasskey(factor) {
      try {
        await passkeys.create({
          _id: factor.credentialId,
          id: factor.id,
          staffId: factor.staffId,
          clinicId: factor.clinicId,
          name: factor.name,
          publicKey: factor.publicKey,
          counter: factor.counter,
          transports: factor.transports,
          backupEligible: factor.backupEligible,
          backupState: factor.backupState,
          lastUsedAt: factor.lastUsedAt,
          createdAt: factor.createdAt,
          confirmedAt: factor.confirmedAt,
        });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    },
    async findPasskey(credentialId) {
      if (!isString(credentialId)) return null;
      const doc = await passkeys.findOne({ _id: credentialId }, null, Q).lean<PasskeyDoc>();
      return doc ? toPasskey(doc) : null;
    },
    async renamePasskey(staffId, factorId, name) {
      if (!isString(staffId) || !isString(factorId) || !isString(name)) return false;
      const result = await passkeys.updateOne({ staffId, id: factorId }, { $set: { name } }, Q);
      return result.matchedCount === 1;
    },
    async recordPasskeyUse(staffId, factorId, use) {
      const { expectedCounter, counter, backupState, usedAt } = use;
      if (!isString(staffId) || !isString(factorId) || !isFiniteNumber(expectedCounter)) return false;
      if (!isFiniteNumber(counter) || !isBoolean(backupState) || !isDate(usedAt)) return false;
      const result = await passkeys.updateOne(
        { staffId, id: factorId, counter: expectedCounter },
        { $set: { counter, backupState, lastUsedAt: usedAt } },
        Q,
      );
      return result.modifiedCount === 1;
    },
    async removeAll(staffId) {
      if (!isString(staffId)) return;
      await factors.deleteMany({ staffId }, Q);
      await passkeys.deleteMany({ staffId }, Q);
    },
    async listTotp(afterStaffId, limit) {
      const after = isString(afterStaffId) ? { staffId: op({ $gt: afterStaffId }) } : {};
      const docs = await factors
        .find({ kind: 'totp', ...after }, null, Q)
        .sort({ staffId: 1 })
        .limit(Math.max(1, Math.floor(limit)))
        .lean<FactorSlotDoc[]>();
      return docs.flatMap(fromSlot);
    },
    async replaceSecret(staffId, factorId, expected, next) {
      if (!isString(staffId) || !isString(factorId) || !isString(expected) || !isString(next)) return false;
      // The factor sits in the active or the pending slot: each try is one conditional update.
      for (const slot of ['active', 'pending'] as const) {
        const result = await factors.updateOne(
          { _id: factorSlotId(staffId, 'totp'), [`${slot}.id`]: factorId, [`${slot}.secret`]: expected },
          { $set: { [`${slot}.secret`]: next } },
          Q,
        );
        if (result.modifiedCount === 1) return true;
      }
      return false;
    },
  };
}
