import { TwostepError } from '../errors.ts';
import type { ClinicStore } from '../ports.ts';
import type { Clinic } from '../types.ts';
import { copy } from './util.ts';

export function createMemoryClinicStore(): ClinicStore {
  const clinics = new Map<string, Clinic>();
  return {
    async create(clinic) {
      if (clinics.has(clinic.id)) throw new TwostepError('conflict', `clinic ${clinic.id} already exists`);
      clinics.set(clinic.id, copy(clinic));
    },
    async get(clinicId) {
      const clinic = clinics.get(clinicId);
      return clinic === undefined ? null : copy(clinic);
    },
    async update(clinicId, patch) {
      const clinic = clinics.get(clinicId);
      if (clinic === undefined) return false;
      const {
        name,
        enforceTwoStep,
        allowTrustedDevices,
        timeZone,
        country,
        phishingResistant,
        defaultLocale,
      } = patch;
      if (name !== undefined) clinic.name = name;
      if (enforceTwoStep !== undefined) clinic.enforceTwoStep = enforceTwoStep;
      if (allowTrustedDevices !== undefined) clinic.allowTrustedDevices = allowTrustedDevices;
      if (timeZone !== undefined) clinic.timeZone = timeZone;
      if (country !== undefined) clinic.country = country;
      if (phishingResistant !== undefined) clinic.phishingResistant = phishingResistant;
      if (defaultLocale !== undefined) clinic.defaultLocale = defaultLocale;
      if (patch.enrollmentGraceDays !== undefined) clinic.enrollmentGraceDays = patch.enrollmentGraceDays;
      // An empty contact clears it.
      if (patch.contact !== undefined) {
        if (patch.contact) clinic.contact = patch.contact;
        else delete clinic.contact;
      }
      return true;
    },
  };
}
