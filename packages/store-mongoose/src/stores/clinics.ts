import { CLINIC_SETTINGS, type Clinic, type ClinicStore, TwostepError } from '@twostep/core';
import { isDuplicateKeyError, isString } from '../errors.ts';
import type { ClinicDoc, StoreModels } from '../models.ts';
import { date, definedOnly, Q } from './common.ts';

const toClinic = (doc: ClinicDoc): Clinic => ({
  id: doc._id,
  name: doc.name,
  enforceTwoStep: doc.enforceTwoStep,
  allowTrustedDevices: doc.allowTrustedDevices,
  ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
  ...(doc.country ? { country: doc.country } : {}),
  ...(doc.phishingResistant ? { phishingResistant: doc.phishingResistant } : {}),
  ...(doc.defaultLocale ? { defaultLocale: doc.defaultLocale } : {}),
  ...(typeof doc.enrollmentGraceDays === 'number' ? { enrollmentGraceDays: doc.enrollmentGraceDays } : {}),
  ...(doc.contact ? { contact: doc.contact } : {}),
  createdAt: date(doc.createdAt),
});

export function createClinicStore({ clinics }: StoreModels): ClinicStore {
  return {
    async create(clinic) {
      try {
        await clinics.create({
          _id: clinic.id,
          name: clinic.name,
          enforceTwoStep: clinic.enforceTwoStep,
          allowTrustedDevices: clinic.allowTrustedDevices,
          timeZone: clinic.timeZone,
          country: clinic.country,
          phishingResistant: clinic.phishingResistant,
          defaultLocale: clinic.defaultLocale,
          enrollmentGraceDays: clinic.enrollmentGraceDays,
          contact: clinic.contact || undefined,
          createdAt: clinic.createdAt,
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) {
          throw new TwostepError('conflict', `clinic ${clinic.id} already exists`, { cause: error });
        }
        throw error;
      }
    },
    async get(clinicId) {
      if (!isString(clinicId)) return null;
      const doc = await clinics.findOne({ _id: clinicId }, null, Q).lean<ClinicDoc>();
      return doc === null ? null : toClinic(doc);
    },
    async update(clinicId, patch) {
      if (!isString(clinicId)) return false;
      // An empty contact is stored empty and read as none.
      const set = definedOnly(Object.fromEntries(CLINIC_SETTINGS.map((key) => [key, patch[key]])));
      if (Object.keys(set).length === 0) {
        return (await clinics.countDocuments({ _id: clinicId }, Q)) > 0;
      }
      const result = await clinics.updateOne({ _id: clinicId }, { $set: set }, { ...Q, runValidators: true });
      return result.matchedCount > 0;
    },
  };
}
