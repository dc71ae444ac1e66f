import { randomBytes, randomUUID } from 'node:crypto';
import type { Clinic, RecoveryCodeRecord, StaffMember, StoredFactor } from '@twostep/core';

/** A fixed instant far from the wall clock; `at(s)` is `s` seconds after it. */
const T0 = Date.UTC(2090, 0, 1, 9, 0, 0);
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
export const uid = (prefix: string): string => `${prefix}_${randomUUID()}`;
export const hash = (): string => randomBytes(32).toString('base64url');

export function makeClinic(): Clinic {
  return {
    id: uid('clinic'),
    name: 'Harbour Physio',
    enforceTwoStep: true,
    allowTrustedDevices: true,
    createdAt: at(0),
  };
}

export function makeStaff(clinicId: string): StaffMember {
  return {
    id: uid('staff'),
    clinicId,
    email: `staff.${randomBytes(6).toString('hex')}@clinic.test`,
    name: 'Robin Park',
    role: 'staff',
    passwordHash: `scrypt$${hash()}`,
    active: true,
    createdAt: at(0),
  };
}

export function makeTotp(member: StaffMember): StoredFactor {
  return {
    id: uid('totp'),
    kind: 'totp',
    secret: `sealed.${hash()}`,
    lastStep: null,
    createdAt: at(0),
    staffId: member.id,
    clinicId: member.clinicId,
    status: 'pending',
    confirmedAt: null,
  };
}

export function makeRecovery(member: StaffMember): RecoveryCodeRecord {
  return {
    staffId: member.id,
    clinicId: member.clinicId,
    salt: randomBytes(16).toString('base64url'),
    hash: hash(),
    createdAt: at(0),
  };
}

/** A value an attacker could put where a string is expected (`{"$gt": ""}` in a JSON body). */
export const injected = (): string => ({ $gt: '' }) as unknown as string;
