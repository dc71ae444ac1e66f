import { type StaffMember, type StaffStore, TwostepError } from '@twostep/core';
import type { QueryFilter } from 'mongoose';
import { isDuplicateKeyError, isString } from '../errors.ts';
import type { StaffDoc, StoreModels } from '../models.ts';
import { date, definedOnly, op, Q } from './common.ts';

const DEFAULT_LIMIT = 50;

/** Emails are stored and compared trimmed and lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** A regular expression that matches `text` literally. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const toStaff = (doc: StaffDoc): StaffMember => ({
  id: doc._id,
  clinicId: doc.clinicId,
  email: doc.email,
  name: doc.name,
  ...(doc.givenName == null ? {} : { givenName: doc.givenName }),
  ...(doc.familyName == null ? {} : { familyName: doc.familyName }),
  ...(doc.locale == null ? {} : { locale: doc.locale }),
  role: doc.role,
  passwordHash: doc.passwordHash,
  active: doc.active,
  createdAt: date(doc.createdAt),
});

function conflict(error: unknown): never {
  if (isDuplicateKeyError(error))
    throw new TwostepError('conflict', 'email is already taken', { cause: error });
  throw error;
}

export function createStaffStore({ staff }: StoreModels): StaffStore {
  return {
    async create(member) {
      try {
        await staff.create({
          _id: member.id,
          clinicId: member.clinicId,
          email: normalizeEmail(member.email),
          name: member.name,
          nameLower: member.name.toLowerCase(),
          givenName: member.givenName,
          familyName: member.familyName,
          locale: member.locale,
          role: member.role,
          passwordHash: member.passwordHash,
          active: member.active,
          createdAt: member.createdAt,
        });
      } catch (error) {
        // The unique `_id` or the unique email; both are a conflict.
        conflict(error);
      }
    },
    async get(staffId) {
      if (!isString(staffId)) return null;
      const doc = await staff.findOne({ _id: staffId }, null, Q).lean<StaffDoc>();
      return doc === null ? null : toStaff(doc);
    },
    async findByEmail(email) {
      if (!isString(email)) return null;
      const doc = await staff.findOne({ email: normalizeEmail(email) }, null, Q).lean<StaffDoc>();
      return doc === null ? null : toStaff(doc);
    },
    async update(staffId, patch) {
      if (!isString(staffId)) return false;
      const { name, givenName, familyName, locale, email, role, passwordHash, active } = patch;
      const set = definedOnly({
        name,
        nameLower: name?.toLowerCase(),
        givenName,
        familyName,
        locale,
        email: email === undefined ? undefined : normalizeEmail(email),
        role,
        passwordHash,
        active,
      });
      if (Object.keys(set).length === 0) return (await staff.countDocuments({ _id: staffId }, Q)) > 0;
      try {
        const result = await staff.updateOne({ _id: staffId }, { $set: set }, { ...Q, runValidators: true });
        return result.matchedCount > 0;
      } catch (error) {
        conflict(error);
      }
    },
    async replacePasswordHash(staffId, expected, next) {
      if (![staffId, expected, next].every(isString)) return false;
      const result = await staff.updateOne(
        { _id: staffId, passwordHash: expected },
        { $set: { passwordHash: next } },
        Q,
      );
      return result.matchedCount > 0;
    },
    async list(clinicId, query = {}) {
      if (!isString(clinicId)) return { items: [], total: 0 };
      const search = isString(query.search) ? query.search.toLowerCase() : '';
      const offset = Math.max(0, Math.trunc(Number(query.offset ?? 0)) || 0);
      const limit = Math.max(0, Math.trunc(Number(query.limit ?? DEFAULT_LIMIT)) || 0);
      const filter: QueryFilter<StaffDoc> = { clinicId };
      if (search !== '') {
        const pattern = literal(search);
        filter.$or = [{ nameLower: op({ $regex: pattern }) }, { email: op({ $regex: pattern }) }];
      }
      if (query.role !== undefined) filter.role = query.role;
      const [total, docs] = await Promise.all([
        staff.countDocuments(filter, Q),
        limit === 0
          ? Promise.resolve([])
          : staff
              .find(filter, null, Q)
              .sort({ name: 1, _id: 1 })
              .skip(offset)
              .limit(limit)
              .lean<StaffDoc[]>(),
      ]);
      return { items: docs.map(toStaff), total };
    },
  };
}
