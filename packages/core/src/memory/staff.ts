import { TwostepError } from '../errors.ts';
import type { StaffStore } from '../ports.ts';
import type { StaffMember } from '../types.ts';
import { addToIndex, copy } from './util.ts';

const DEFAULT_LIMIT = 50;

/** Emails are stored and compared trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Code-unit order (as MongoDB's default binary collation), not locale order. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createMemoryStaffStore(): StaffStore {
  const staff = new Map<string, StaffMember>();
  const idByEmail = new Map<string, string>();
  const idsByClinic = new Map<string, Set<string>>();

  return {
    async create(member) {
      const email = normalizeEmail(member.email);
      if (staff.has(member.id))
        throw new TwostepError('conflict', `staff member ${member.id} already exists`);
      if (idByEmail.has(email)) throw new TwostepError('conflict', 'email is already taken');
      const stored = { ...copy(member), email };
      staff.set(stored.id, stored);
      idByEmail.set(email, stored.id);
      addToIndex(idsByClinic, stored.clinicId, stored.id);
    },
    async get(staffId) {
      const member = staff.get(staffId);
      return member === undefined ? null : copy(member);
    },
    async findByEmail(email) {
      const id = idByEmail.get(normalizeEmail(email));
      const member = id === undefined ? undefined : staff.get(id);
      return member === undefined ? null : copy(member);
    },
    async update(staffId, patch) {
      const member = staff.get(staffId);
      if (member === undefined) return false;
      const { name, givenName, familyName, locale, email, role, passwordHash, active } = patch;
      if (email !== undefined) {
        const normalized = normalizeEmail(email);
        const owner = idByEmail.get(normalized);
        if (owner !== undefined && owner !== staffId)
          throw new TwostepError('conflict', 'email is already taken');
        idByEmail.delete(member.email);
        idByEmail.set(normalized, staffId);
        member.email = normalized;
      }
      if (name !== undefined) member.name = name;
      if (givenName !== undefined) member.givenName = givenName;
      if (familyName !== undefined) member.familyName = familyName;
      if (locale !== undefined) member.locale = locale;
      if (role !== undefined) member.role = role;
      if (passwordHash !== undefined) member.passwordHash = passwordHash;
      if (active !== undefined) member.active = active;
      return true;
    },
    async replacePasswordHash(staffId, expected, next) {
      const member = staff.get(staffId);
      if (member?.passwordHash !== expected) return false;
      member.passwordHash = next;
      return true;
    },
    async list(clinicId, query = {}) {
      const needle = query.search?.toLowerCase() ?? '';
      const offset = Math.max(0, query.offset ?? 0);
      const limit = Math.max(0, query.limit ?? DEFAULT_LIMIT);
      const matches: StaffMember[] = [];
      for (const id of idsByClinic.get(clinicId) ?? []) {
        const member = staff.get(id);
        if (member === undefined || (query.role !== undefined && member.role !== query.role)) continue;
        if (needle === '' || member.name.toLowerCase().includes(needle) || member.email.includes(needle)) {
          matches.push(member);
        }
      }
      matches.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
      return { items: matches.slice(offset, offset + limit).map(copy), total: matches.length };
    },
  };
}
