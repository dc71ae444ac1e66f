import { TwostepError } from '../errors.ts';
import type { ClinicStore } from '../ports.ts';
import { CLINIC_SETTINGS, type Clinic } from '../types.ts';
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
      for (const key of CLINIC_SETTINGS) {
        const value = patch[key];
        if (value === undefined) continue;
        // An empty contact clears it.
        if (key === 'contact' && !value) delete clinic.contact;
        else Object.assign(clinic, { [key]: value });
      }
      return true;
    },
  };
}
